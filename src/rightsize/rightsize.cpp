// The right-sizing and autoscaling maths: requests and limits from usage distributions, the load verdict, HPA
// sizing against cluster capacity, costs, and Kubernetes quantity formatting. docs/rightsizing.md is the
// user-facing statement of every rule here; a change to a rule changes both.
//
// Why integer arithmetic: every value is a whole number of millicores or bytes, and a margin such as 1.3 is
// not exact in binary, so 100m x 1.3 in double is 130.00000000000003m and would round up to 131m (135m after
// the 5m step). Margins are turned into millionths once (llround) and applied exactly in 64-bit integers.
#include "rightsize/rightsize.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cmath>
#include <limits>

namespace aiops::rightsize {
namespace {

constexpr std::int64_t kMillion = 1'000'000;
constexpr std::int64_t kKi = 1024;
constexpr std::int64_t kMi = kKi * 1024;
constexpr std::int64_t kGi = kMi * 1024;
constexpr std::int64_t kUnlimited = std::numeric_limits<std::int64_t>::max();

std::int64_t ceilDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if (a % b != 0 && ((a > 0) == (b > 0))) ++q;
  return q;
}

std::int64_t floorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if (a % b != 0 && ((a > 0) != (b > 0))) --q;
  return q;
}

// value x factor: the exact product (for the reasons) and its ceiling (for the rules).
struct Product {
  long double exact = 0;
  std::int64_t ceiling = 0;
};

Product multiply(std::int64_t value, double factor) {
  const std::int64_t ppm = std::llround(factor * static_cast<double>(kMillion));
  std::int64_t scaled = 0;
  if (!__builtin_mul_overflow(value, ppm, &scaled)) {
    return {static_cast<long double>(scaled) / kMillion, ceilDiv(scaled, kMillion)};
  }
  // Beyond 9.2e12 units (8 TiB of memory) exactness in the last unit no longer matters.
  const long double exact = static_cast<long double>(value) * ppm / kMillion;
  return {exact, static_cast<std::int64_t>(std::ceil(exact))};
}

// value x numerator / denominator, exact and rounded up (denominator > 0).
Product ratio(std::int64_t value, std::int64_t numerator, std::int64_t denominator) {
  std::int64_t scaled = 0;
  if (!__builtin_mul_overflow(value, numerator, &scaled)) {
    return {static_cast<long double>(scaled) / denominator, ceilDiv(scaled, denominator)};
  }
  const long double exact = static_cast<long double>(value) * numerator / denominator;
  return {exact, static_cast<std::int64_t>(std::ceil(exact))};
}

// A number with at most two decimals, trailing zeros dropped: 234, 2.6, 149.5, 231.15.
std::string decimal(long double value) {
  std::string s = fmt::format("{:.2f}", static_cast<double>(value));
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0')
      s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

// An intermediate value in a reason, readable rather than exact: "234m", "2.6m".
std::string millisText(long double millis) {
  return decimal(millis) + "m";
}

// "149.5Mi", "1.5Gi", "512Ki", "900": Gi when it shows the value exactly to two decimals, else Mi (or Ki,
// or bytes, for smaller values), so a reason's arithmetic reads exact wherever it can.
std::string bytesText(long double bytes) {
  const long double magnitude = bytes < 0 ? -bytes : bytes;
  const long double hundredthsOfGi = magnitude * 100 / kGi;
  if (magnitude >= kGi && std::fabs(hundredthsOfGi - std::round(hundredthsOfGi)) < 1e-9L) {
    return decimal(bytes / kGi) + "Gi";
  }
  if (magnitude >= kMi) return decimal(bytes / kMi) + "Mi";
  if (magnitude >= kKi) return decimal(bytes / kKi) + "Ki";
  return decimal(bytes);
}

// The factor as written: 1.3, 1.15, 1.2.
std::string factorText(double factor) {
  return fmt::format("{}", factor);
}

std::string roundingClause(std::int64_t before, std::int64_t after, const std::string& step) {
  return before == after ? std::string() : ", rounded up to a multiple of " + step;
}

// "45s", "5m", "5m30s", "1h", "1h5m": the way kubectl writes ages.
std::string durationText(std::int64_t seconds) {
  if (seconds < 60) return fmt::format("{}s", seconds);
  const std::int64_t hours = seconds / 3600;
  const std::int64_t minutes = seconds % 3600 / 60;
  const std::int64_t rest = seconds % 60;
  std::string s;
  if (hours > 0) s += fmt::format("{}h", hours);
  if (minutes > 0) s += fmt::format("{}m", minutes);
  if (rest > 0) s += fmt::format("{}s", rest);
  return s;
}

std::string usd(double amount) {
  return fmt::format("${:.2f}", amount);
}

std::string signedUsd(double amount) {
  return amount < 0 ? "-" + usd(-amount) : "+" + usd(amount);
}

std::string replicasText(std::int64_t n) {
  return fmt::format("{} replica{}", n, n == 1 ? "" : "s");
}

// --- resources ---------------------------------------------------------------------------------------------

void recommendCpu(const ContainerUsage& usage, const ResourcePolicy& policy, ContainerRecommendation& out) {
  const Resources& current = usage.current;
  if (usage.cpu.count == 0) {
    out.recommended.cpuRequestMillis = current.cpuRequestMillis;
    out.recommended.cpuLimitMillis = current.cpuLimitMillis;
    out.reasons.push_back("cpu: no usage samples, so the request and limit stay as they are");
    return;
  }
  const std::string step = formatMillicores(policy.cpuStepMillis);
  const Product raw = multiply(usage.cpu.p95, policy.cpuMargin);
  const std::int64_t rounded = roundUp(raw.ceiling, policy.cpuStepMillis);
  const std::string rule = fmt::format("p95 {} × {} = {}", millisText(usage.cpu.p95),
                                       factorText(policy.cpuMargin), millisText(raw.exact));
  std::int64_t request = rounded;
  if (rounded < policy.cpuFloorMillis) {
    request = policy.cpuFloorMillis;
    out.reasons.push_back(fmt::format("cpu request {} = the floor {} ({} is below it)",
                                      formatMillicores(request), formatMillicores(policy.cpuFloorMillis),
                                      rule));
  } else {
    out.reasons.push_back(fmt::format("cpu request {} = {}{}", formatMillicores(request), rule,
                                      roundingClause(raw.ceiling, rounded, step)));
  }
  out.recommended.cpuRequestMillis = request;

  if (!current.cpuLimitMillis) {
    out.reasons.push_back(
        "cpu limit stays unset, as it is now (without a limit the container may use idle CPU instead of "
        "being throttled)");
    return;
  }
  // Kubernetes defaults an unset request to the limit, so the ratio is then 1.
  const std::int64_t currentLimit = *current.cpuLimitMillis;
  const std::int64_t currentRequest = current.cpuRequestMillis.value_or(currentLimit);
  const std::string unsetNote =
      current.cpuRequestMillis ? "" : " (the request was unset, so it equalled the limit)";
  std::string ratioText;
  Product byRatio{static_cast<long double>(request), request};
  if (currentRequest > 0) {
    byRatio = ratio(request, currentLimit, currentRequest);
    ratioText = fmt::format("request {} × limit/request {}/{} = {}", formatMillicores(request),
                            formatMillicores(currentLimit), formatMillicores(currentRequest),
                            millisText(byRatio.exact));
  } else {
    ratioText = fmt::format("the request {}", formatMillicores(request));
  }
  std::int64_t limit = std::max(roundUp(byRatio.ceiling, policy.cpuStepMillis), request);
  const std::int64_t atMax = roundUp(usage.cpu.max, policy.cpuStepMillis);
  if (atMax > limit) {
    out.reasons.push_back(fmt::format("cpu limit {} = the observed max {}{} ({} is below it){}",
                                      formatMillicores(atMax), millisText(usage.cpu.max),
                                      roundingClause(usage.cpu.max, atMax, step), ratioText, unsetNote));
    limit = atMax;
  } else {
    out.reasons.push_back(fmt::format("cpu limit {} = {}{}{}", formatMillicores(limit), ratioText,
                                      roundingClause(byRatio.ceiling, limit, step), unsetNote));
  }
  out.recommended.cpuLimitMillis = limit;
}

void recommendMemory(const ContainerUsage& usage, const ResourcePolicy& policy,
                     ContainerRecommendation& out) {
  const Resources& current = usage.current;
  if (usage.memory.count == 0) {
    out.recommended.memoryRequestBytes = current.memoryRequestBytes;
    out.recommended.memoryLimitBytes = current.memoryLimitBytes;
    out.reasons.push_back("memory: no usage samples, so the request and limit stay as they are");
    return;
  }
  const std::string step = formatBytes(policy.memoryStepBytes);
  const Product byPercentile = multiply(usage.memory.p99, policy.memoryPercentileMargin);
  const Product byMax = multiply(usage.memory.max, policy.memoryMaxMargin);
  const std::int64_t raw = std::max(byPercentile.ceiling, byMax.ceiling);
  const std::int64_t rounded = roundUp(raw, policy.memoryStepBytes);
  const std::string rule =
      fmt::format("max(p99 {} × {} = {}, max {} × {} = {})", bytesText(usage.memory.p99),
                  factorText(policy.memoryPercentileMargin), bytesText(byPercentile.exact),
                  bytesText(usage.memory.max), factorText(policy.memoryMaxMargin), bytesText(byMax.exact));
  std::int64_t request = rounded;
  if (rounded < policy.memoryFloorBytes) {
    request = policy.memoryFloorBytes;
    out.reasons.push_back(fmt::format("memory request {} = the floor {} ({} is below it)",
                                      formatBytes(request), formatBytes(policy.memoryFloorBytes), rule));
  } else {
    out.reasons.push_back(fmt::format("memory request {} = {}{}", formatBytes(request), rule,
                                      roundingClause(raw, rounded, step)));
  }

  if (usage.oomKilledAtLimit) {
    // The VPA's rule: what was in use when the kernel killed the container, plus room to grow.
    const std::int64_t used = std::max(*usage.oomKilledAtLimit, usage.memory.max);
    const Product grown = multiply(used, policy.oomBumpFactor);
    const std::int64_t plus = used + policy.oomBumpBytes;
    const std::int64_t needed = std::max(plus, grown.ceiling);
    const std::int64_t bumped = roundUp(needed, policy.memoryStepBytes);
    const std::string bump = fmt::format(
        "max(used {} + {} = {}, used {} × {} = {}), used = max(limit at the kill {}, max seen {})",
        bytesText(used), bytesText(policy.oomBumpBytes), bytesText(plus), bytesText(used),
        factorText(policy.oomBumpFactor), bytesText(grown.exact), bytesText(*usage.oomKilledAtLimit),
        bytesText(usage.memory.max));
    if (bumped > request) {
      out.reasons.push_back(fmt::format("memory request raised to {} after an OOM kill = {}{}",
                                        formatBytes(bumped), bump, roundingClause(needed, bumped, step)));
      request = bumped;
    } else {
      out.reasons.push_back(
          fmt::format("after an OOM kill memory needs at least {} = {}; the request {} covers it",
                      formatBytes(bumped), bump, formatBytes(request)));
    }
  }
  out.recommended.memoryRequestBytes = request;
  out.recommended.memoryLimitBytes = request;
  out.reasons.push_back(
      fmt::format("memory limit {} = the memory request (memory cannot be throttled: a higher limit only "
                  "lets the container be evicted or OOM-killed later)",
                  formatBytes(request)));
}

// --- scaling -----------------------------------------------------------------------------------------------

// floor(allocatable x (1 - headroom)), exactly.
std::int64_t usable(std::int64_t allocatable, std::int64_t keptPpm) {
  std::int64_t scaled = 0;
  if (!__builtin_mul_overflow(allocatable, kMillion - keptPpm, &scaled)) return floorDiv(scaled, kMillion);
  return static_cast<std::int64_t>(
      std::floor(static_cast<long double>(allocatable) * (kMillion - keptPpm) / kMillion));
}

// How many more pods of this size fit on one node, keeping the headroom free.
std::int64_t podsThatFit(const NodeCapacity& node, std::int64_t keptPpm, std::int64_t podCpu,
                         std::int64_t podMemory) {
  const auto fit = [&](std::int64_t allocatable, std::int64_t requested, std::int64_t pod) {
    if (pod <= 0) return kUnlimited;
    const std::int64_t free = usable(allocatable, keptPpm) - requested;
    return free <= 0 ? std::int64_t{0} : free / pod;
  };
  return std::min(fit(node.allocatableCpuMillis, node.requestedCpuMillis, podCpu),
                  fit(node.allocatableMemoryBytes, node.requestedMemoryBytes, podMemory));
}

std::string loadLine(const LoadVerdict& v, const LoadPolicy& p) {
  if (v.load == Load::High) {
    return fmt::format("CPU has been at or above {}% of its request for {}: peak {}%, mean {}%",
                       p.highPercent, durationText(v.seconds), v.peakPercent, v.meanPercent);
  }
  return fmt::format("CPU has been below {}% of its request for {}: peak {}%, mean {}%", p.lowPercent,
                     durationText(v.seconds), v.peakPercent, v.meanPercent);
}

std::string normalLine(const LoadVerdict& v, const LoadPolicy& p) {
  if (v.samples == 0) return "no CPU utilisation samples, so the load cannot be judged; no HPA recommended";
  if (v.peakPercent >= p.highPercent) {
    return fmt::format(
        "load is normal: CPU has been at or above {}% of its request for only {} (sustained means {}); no "
        "HPA recommended",
        p.highPercent, durationText(v.seconds), durationText(p.highSeconds));
  }
  if (v.peakPercent < p.lowPercent) {
    return fmt::format(
        "load is normal: CPU has been below {}% of its request for only {} (sustained means {}); no HPA "
        "recommended",
        p.lowPercent, durationText(v.seconds), durationText(p.lowSeconds));
  }
  return fmt::format("load is normal: CPU at {}% of its request, between {}% and {}%; no HPA recommended",
                     v.peakPercent, p.lowPercent, p.highPercent);
}

}  // namespace

std::int64_t roundUp(std::int64_t value, std::int64_t step) {
  return ceilDiv(value, step) * step;
}

ContainerRecommendation recommendResources(const ContainerUsage& usage, const ResourcePolicy& policy) {
  ContainerRecommendation out;
  out.container = usage.container;
  out.current = usage.current;
  recommendCpu(usage, policy, out);
  recommendMemory(usage, policy, out);
  return out;
}

double monthlyCost(std::int64_t millicores, std::int64_t bytes, const Prices& prices) {
  const double cores = static_cast<double>(millicores) / 1000.0;
  const double gib = static_cast<double>(bytes) / static_cast<double>(kGi);
  return (cores * prices.perCoreHour + gib * prices.perGiBHour) * prices.hoursPerMonth;
}

LoadVerdict judgeLoad(const std::vector<UtilisationSample>& samples, const LoadPolicy& policy) {
  LoadVerdict verdict;
  if (samples.empty()) return verdict;
  std::vector<UtilisationSample> sorted = samples;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const UtilisationSample& a, const UtilisationSample& b) { return a.time < b.time; });
  const UtilisationSample& newest = sorted.back();
  const bool high = newest.percent >= policy.highPercent;
  const bool low = !high && newest.percent < policy.lowPercent;
  const auto inRun = [&](std::int64_t percent) {
    return high ? percent >= policy.highPercent : percent < policy.lowPercent;
  };
  std::size_t start = sorted.size() - 1;
  if (high || low) {
    while (start > 0 && inRun(sorted[start - 1].percent))
      --start;
  }
  std::int64_t sum = 0;
  std::int64_t peak = sorted[start].percent;
  for (std::size_t i = start; i < sorted.size(); ++i) {
    sum += sorted[i].percent;
    peak = std::max(peak, sorted[i].percent);
  }
  const auto count = static_cast<std::int64_t>(sorted.size() - start);
  verdict.since = sorted[start].time;
  verdict.seconds = newest.time - verdict.since;
  verdict.peakPercent = peak;
  verdict.meanPercent = std::llround(static_cast<double>(sum) / static_cast<double>(count));
  verdict.samples = count;
  if (high && verdict.seconds >= policy.highSeconds) verdict.load = Load::High;
  if (low && verdict.seconds >= policy.lowSeconds) verdict.load = Load::Low;
  return verdict;
}

ScalingRecommendation recommendScaling(const ScalingInput& input) {
  ScalingRecommendation r;
  const LoadVerdict& v = input.verdict;
  const std::int64_t replicas = std::max<std::int64_t>(input.replicas, 0);
  r.targetPercent = input.targetPercent;
  r.minReplicas = r.maxReplicas = r.expectedReplicas = r.neededReplicas = replicas;
  r.expectedPercent = v.peakPercent;
  r.monthlyCostNow =
      monthlyCost(replicas * input.podCpuRequestMillis, replicas * input.podMemoryRequestBytes, input.prices);
  r.monthlyCostExpected = r.monthlyCostAtMax = r.monthlyCostNow;
  const auto refuse = [&](std::string why) {
    r.reasons.push_back(std::move(why));
    return r;
  };
  if (replicas < 1)
    return refuse((input.workload.empty() ? std::string("the workload") : input.workload) +
                  " has no replicas; scale it up before sizing an HPA");
  if (input.podCpuRequestMillis <= 0) {
    return refuse(
        "the pods request no CPU, and a CPU-utilisation HPA needs a CPU request on every container; set one "
        "first (kubectl aiops recommend resources)");
  }
  if (input.targetPercent < 1) {
    return refuse(
        fmt::format("the target CPU utilisation must be at least 1%, not {}%", input.targetPercent));
  }

  const std::int64_t keptPpm =
      std::clamp<std::int64_t>(std::llround(input.headroom * static_cast<double>(kMillion)), 0, kMillion);
  std::int64_t more = 0;
  std::int64_t schedulable = 0;
  for (const NodeCapacity& node : input.nodes) {
    if (!node.schedulable) continue;
    ++schedulable;
    more += podsThatFit(node, keptPpm, input.podCpuRequestMillis, input.podMemoryRequestBytes);
  }
  r.fitReplicas = replicas + more;

  if (v.load == Load::Normal) return refuse(normalLine(v, input.loadPolicy));
  r.reasons.push_back(loadLine(v, input.loadPolicy));

  // The HPA controller changes nothing while |1 - utilisation / target| <= tolerance.
  const std::int64_t tolerancePpm = std::clamp<std::int64_t>(
      std::llround(input.tolerance * static_cast<double>(kMillion)), 0, kMillion - 1);
  const std::string toleranceText = decimal(static_cast<long double>(tolerancePpm) / 10'000) + "%";
  std::int64_t target = input.targetPercent;
  if (v.load == Load::High) {
    const std::int64_t acting = ceilDiv(v.meanPercent * kMillion, kMillion + tolerancePpm) - 1;
    if (acting < target) {
      target = std::max<std::int64_t>(1, acting);
      r.reasons.push_back(fmt::format(
          "target {}%, below the {}% asked for: the HPA leaves a utilisation within {} of its target alone "
          "(its tolerance), so the run's mean {}% must exceed {} × the target; {}% / {}% = {:.3f}",
          target, input.targetPercent, toleranceText, v.meanPercent,
          decimal(static_cast<long double>(kMillion + tolerancePpm) / kMillion), v.meanPercent, target,
          static_cast<double>(v.meanPercent) / static_cast<double>(target)));
    }
  } else if (v.meanPercent * kMillion >= target * (kMillion - tolerancePpm)) {
    return refuse(
        fmt::format("the HPA would not scale in: the run's mean {}% is within {} of the {}% target (its "
                    "tolerance); a higher target would let it",
                    v.meanPercent, toleranceText, target));
  }
  r.targetPercent = target;

  const std::int64_t observed = v.peakPercent;
  const std::int64_t needed = std::max<std::int64_t>(1, ceilDiv(replicas * observed, target));
  r.neededReplicas = needed;
  r.reasons.push_back(fmt::format("the HPA's formula at the peak: ceil({} × {}% / {}%) = {}",
                                  replicasText(replicas), observed, target, replicasText(needed)));
  if (v.load == Load::High) {
    r.minReplicas = replicas;
    r.maxReplicas = std::max(2 * needed, replicas + 2);
    r.reasons.push_back(fmt::format(
        "minReplicas {} = the current replicas (never fewer than run today); maxReplicas {} = max(2 × {}, {} "
        "+ 2), room for the load to double again; target {}% average CPU utilisation of the request",
        r.minReplicas, r.maxReplicas, needed, replicas, target));
  } else {
    r.minReplicas = std::max<std::int64_t>(1, std::min(needed, replicas));
    r.maxReplicas = replicas;
    if (r.minReplicas == r.maxReplicas) {
      return refuse(
          fmt::format("{} is already the fewest the load needs, so an HPA could not scale in; lower the CPU "
                      "request instead (kubectl aiops recommend resources)",
                      replicasText(replicas)));
    }
    r.reasons.push_back(
        fmt::format("minReplicas {} = max(1, {}); maxReplicas {} = the current replicas (scale in only, "
                    "never above today); target {}% average CPU utilisation of the request",
                    r.minReplicas, needed, r.maxReplicas, target));
  }

  const std::string headroomText =
      fmt::format("{}% headroom kept", decimal(static_cast<long double>(keptPpm) / 10'000));
  const std::string pod = fmt::format("{} CPU and {} memory", formatMillicores(input.podCpuRequestMillis),
                                      formatBytes(input.podMemoryRequestBytes));
  if (r.maxReplicas > r.fitReplicas) {
    r.maxFits = false;
    const std::int64_t cut = std::max(r.fitReplicas, r.minReplicas);
    r.reasons.push_back(
        fmt::format("the maximum of {} would not fit: the free capacity of {} schedulable node{} ({}) holds "
                    "{} in all (the current {} and {} more of {}); max set to {}",
                    replicasText(r.maxReplicas), schedulable, schedulable == 1 ? "" : "s", headroomText,
                    replicasText(r.fitReplicas), replicas, more, pod, cut));
    r.maxReplicas = cut;
    if (r.maxReplicas <= r.minReplicas) {
      return refuse(
          fmt::format("no room to scale: an HPA with maxReplicas = minReplicas = {} cannot add pods; add "
                      "nodes or free capacity first",
                      r.minReplicas));
    }
    if (needed > r.maxReplicas) {
      r.reasons.push_back(
          fmt::format("even the {} the load needs would not fit; the HPA will stop at {}, each pod near "
                      "ceil({} × {}% / {}) = {}% of its request",
                      replicasText(needed), r.maxReplicas, replicas, observed, r.maxReplicas,
                      ceilDiv(replicas * observed, r.maxReplicas)));
    }
  } else {
    r.reasons.push_back(
        fmt::format("capacity: the free capacity of {} schedulable node{} ({}) holds {} in all (the current "
                    "{} and {} more of {}), so the maximum of {} fits",
                    schedulable, schedulable == 1 ? "" : "s", headroomText, replicasText(r.fitReplicas),
                    replicas, more, pod, r.maxReplicas));
  }

  r.expectedReplicas = std::min(needed, r.maxReplicas);
  r.expectedPercent = ceilDiv(replicas * observed, r.expectedReplicas);
  if (v.load == Load::High) {
    r.reasons.push_back(fmt::format(
        "expected effect: at the peak the HPA runs {} instead of {}, each near {}% of its CPU request "
        "instead of {}%; latency should fall, since queueing delay grows steeply as a pod nears full CPU, "
        "though each scale-up takes a minute or two (the metrics window and pod start-up)",
        replicasText(r.expectedReplicas), replicas, r.expectedPercent, observed));
  } else {
    r.reasons.push_back(
        fmt::format("expected effect: the HPA can run {} instead of {}, each near {}% of its CPU request "
                    "instead of {}%; latency may rise a little as each pod gets busier, and a sudden burst "
                    "waits for a scale-up (a minute or two)",
                    replicasText(r.expectedReplicas), replicas, r.expectedPercent, observed));
  }

  r.monthlyCostExpected = monthlyCost(r.expectedReplicas * input.podCpuRequestMillis,
                                      r.expectedReplicas * input.podMemoryRequestBytes, input.prices);
  r.monthlyCostAtMax = monthlyCost(r.maxReplicas * input.podCpuRequestMillis,
                                   r.maxReplicas * input.podMemoryRequestBytes, input.prices);
  const std::int64_t delta = r.expectedReplicas - replicas;
  const std::int64_t magnitude = delta < 0 ? -delta : delta;
  const std::string sign = delta < 0 ? "-" : "+";
  r.reasons.push_back(
      fmt::format("cost: {} instead of {}: {}{} CPU and {}{} memory requested, from {} to {} a month ({}); "
                  "at the maximum of {}, {} a month (prices {} per core-hour, {} per GiB-hour, {} h a month)",
                  replicasText(r.expectedReplicas), replicas, sign,
                  formatMillicores(magnitude * input.podCpuRequestMillis), sign,
                  formatBytes(magnitude * input.podMemoryRequestBytes), usd(r.monthlyCostNow),
                  usd(r.monthlyCostExpected), signedUsd(r.monthlyCostExpected - r.monthlyCostNow),
                  r.maxReplicas, usd(r.monthlyCostAtMax), fmt::format("${}", input.prices.perCoreHour),
                  fmt::format("${}", input.prices.perGiBHour), input.prices.hoursPerMonth));
  if (r.minReplicas == 1) {
    r.reasons.push_back(
        "minReplicas 1 has no redundancy: consider 2 if the workload must stay up through a node drain or a "
        "pod restart");
  }
  r.recommended = true;
  return r;
}

boost::json::value hpaManifest(const std::string& namespace_, const std::string& deployment,
                               const ScalingRecommendation& recommendation) {
  boost::json::object target{{"type", "Utilization"}, {"averageUtilization", recommendation.targetPercent}};
  boost::json::object resource{{"name", "cpu"}, {"target", std::move(target)}};
  boost::json::object metric{{"type", "Resource"}, {"resource", std::move(resource)}};
  return boost::json::object{
      {"apiVersion", "autoscaling/v2"},
      {"kind", "HorizontalPodAutoscaler"},
      {"metadata", boost::json::object{{"name", deployment},
                                       {"namespace", namespace_},
                                       {"labels", boost::json::object{{"app.kubernetes.io/managed-by",
                                                                       "kubectl-aiops"}}}}},
      {"spec", boost::json::object{{"scaleTargetRef", boost::json::object{{"apiVersion", "apps/v1"},
                                                                          {"kind", "Deployment"},
                                                                          {"name", deployment}}},
                                   {"minReplicas", recommendation.minReplicas},
                                   {"maxReplicas", recommendation.maxReplicas},
                                   {"metrics", boost::json::array{std::move(metric)}}}}};
}

std::string formatMillicores(std::int64_t millicores) {
  if (millicores % 1000 == 0) return std::to_string(millicores / 1000);
  return std::to_string(millicores) + "m";
}

std::string formatBytes(std::int64_t bytes) {
  if (bytes == 0) return "0";
  static constexpr const char* kSuffixes[] = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
  std::int64_t value = bytes;
  int suffix = -1;
  while (suffix < 5 && value % 1024 == 0) {
    value /= 1024;
    ++suffix;
  }
  return suffix < 0 ? std::to_string(value) : std::to_string(value) + kSuffixes[suffix];
}

}  // namespace aiops::rightsize
