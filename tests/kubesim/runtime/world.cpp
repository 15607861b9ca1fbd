// The simulated world around the API objects: profiles with their override rules, bad images, load and the
// Services' ready endpoints, and the containers that run (see context.h).
#include <algorithm>

#include "../selectors.h"
#include "context.h"

namespace kubesim::runtime {

namespace {

std::string normalizedImage(std::string_view image) {
  return behaviour::parseImage(image).normalized();
}

}  // namespace

World::World(behaviour::Scenario scenario, TimePoint scenarioStart, std::vector<std::string> badImages)
    : profiles_(std::move(scenario.profiles)),
      load_(std::move(scenario.loadCurves), scenarioStart),
      timeline_(std::move(scenario.timeline)),
      scenarioStart_(scenarioStart) {
  for (const std::string& image : badImages)
    markImageBad(image);
}

const behaviour::Profile& World::profileFor(const json::object& pod, std::string_view container,
                                            std::string_view image) const {
  const behaviour::Profile* chosen = nullptr;
  for (const ProfileRule& rule : profileRules_) {
    if (!rule.namespace_.empty() && rule.namespace_ != metaString(pod, "namespace")) continue;
    bool matches = false;
    if (!rule.pod.empty()) {
      matches = rule.pod == metaString(pod, "name");
    } else if (rule.selector) {
      matches = !rule.selector->empty() && rule.selector->matches(labelsOf(pod));
    } else if (!rule.image.empty()) {
      behaviour::ImageReference want = behaviour::parseImage(rule.image);
      behaviour::ImageReference have = behaviour::parseImage(image);
      matches = want.normalized() == have.normalized() ||
                (rule.image.find(':') == std::string::npos && want.repository == have.repository);
    }
    if (!matches) continue;
    if (const behaviour::Profile* profile = profiles_.byName(rule.profile)) chosen = profile;
  }
  if (chosen != nullptr) return *chosen;
  behaviour::ProfileSet::Choice choice = profiles_.forContainer(pod, container, image);
  return choice.profile != nullptr ? *choice.profile : profiles_.forImage(image);
}

bool World::imageIsBad(std::string_view image) const {
  return badImages_.count(normalizedImage(image)) != 0;
}

void World::markImageBad(std::string_view image) {
  badImages_.insert(normalizedImage(image));
}

void World::setServiceEndpoints(const std::string& ns, const std::string& service,
                                std::vector<std::string> pods) {
  endpoints_[{ns, service}] = std::move(pods);
}

void World::forgetService(const std::string& ns, const std::string& service) {
  endpoints_.erase({ns, service});
}

double World::podRps(const std::string& ns, const std::string& pod, TimePoint now) const {
  double rps = 0;
  for (const auto& [key, pods] : endpoints_) {
    if (key.first != ns || std::find(pods.begin(), pods.end(), pod) == pods.end()) continue;
    rps += behaviour::perEndpointRps(load_.rpsAt(key.first, key.second, now), pods.size());
  }
  return rps;
}

std::vector<std::pair<std::string, std::string>> World::servicesOf(const std::string& ns,
                                                                   const std::string& pod) const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [key, pods] : endpoints_)
    if (key.first == ns && std::find(pods.begin(), pods.end(), pod) != pods.end()) out.push_back(key);
  return out;
}

void World::setRunning(RunningPod pod) {
  std::string uid = pod.uid;
  running_[uid] = std::move(pod);
}

void World::forgetPod(const std::string& uid) {
  running_.erase(uid);
}

behaviour::Usage World::usageOf(const RunningPod& pod, const RunningContainer& container,
                                TimePoint now) const {
  const behaviour::Profile& profile =
      container.profile != nullptr ? *container.profile : behaviour::defaultProfile();
  behaviour::Usage usage = behaviour::usageAt(profile, container.startedAt, now,
                                              podRps(pod.namespace_, pod.name, now), container.seed);
  // CFS quota: a container never uses more CPU than its limit.
  if (container.cpuLimitMilli)
    usage.cpuMillicores = std::min(usage.cpuMillicores, static_cast<double>(*container.cpuLimitMilli));
  return usage;
}

}  // namespace kubesim::runtime
