// The log signature library: each signature on real log lines with the target it extracts, the choice of
// the best explanation, line numbers, bounded matches, binary and invalid UTF-8 input, and listening ports.
#include "diagnose/log_signatures.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace aiops::diagnose {
namespace {

struct Case {
  const char* line;
  const char* signature;
  const char* target;
};

TEST(LogSignatures, RecognisesRealLinesAndTheirTargets) {
  const Case cases[] = {
      {"dial tcp 10.96.14.2:5432: connect: connection refused", "connection-refused", "10.96.14.2:5432"},
      {"Error: connect ECONNREFUSED 127.0.0.1:6379", "connection-refused", "127.0.0.1:6379"},
      {"psycopg2.OperationalError: connection to server at \"postgres\" (10.96.14.2), port 5432 failed: "
       "Connection "
       "refused",
       "connection-refused", "postgres:5432"},
      {"redis.exceptions.ConnectionError: Error 111 connecting to redis:6379. Connection refused.",
       "connection-refused", "redis:6379"},
      {"java.net.ConnectException: Connection refused (Connection refused)", "connection-refused", ""},
      {"2024-05-01T10:42:00Z connection refused", "connection-refused", ""},
      {"dial tcp: lookup postgres on 10.96.0.10:53: no such host", "dns-failure", "postgres"},
      {"getaddrinfo ENOTFOUND mongo", "dns-failure", "mongo"},
      {"could not translate host name \"db\" to address: Name or service not known", "dns-failure", "db"},
      {"java.net.UnknownHostException: kafka-0.kafka", "dns-failure", "kafka-0.kafka"},
      {"Get \"https://10.0.0.7:443/v1\": dial tcp 10.0.0.7:443: i/o timeout", "timeout", "10.0.0.7:443"},
      {"rpc error: code = DeadlineExceeded desc = context deadline exceeded", "timeout", ""},
      {"open /data/db.sqlite: permission denied", "permission-denied", "/data/db.sqlite"},
      {"PermissionError: [Errno 13] Permission denied: '/var/log/app.log'", "permission-denied",
       "/var/log/app.log"},
      {"listen tcp :8080: bind: address already in use", "address-in-use", ":8080"},
      {"Error: listen EADDRINUSE: address already in use :::3000", "address-in-use", "3000"},
      {"ModuleNotFoundError: No module named 'flask'", "module-not-found", "flask"},
      {"Error: Cannot find module 'express'", "module-not-found", "express"},
      {"Error: Could not find or load main class com.example.App", "module-not-found", "com.example.App"},
      {"/docker-entrypoint.sh: line 8: gunicorn: command not found", "module-not-found", "gunicorn"},
      {"exec /usr/local/bin/app: exec format error", "exec-format-error", "/usr/local/bin/app"},
      {"Get \"https://vault:8200/v1/sys/health\": x509: certificate signed by unknown authority", "tls-error",
       "x509: certificate signed by unknown authority"},
      {"ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
       "self-signed "
       "certificate in certificate chain (_ssl.c:1006)",
       "tls-error", "certificate verify failed"},
      {"FATAL:  password authentication failed for user \"app\"", "database-auth-failed", "app"},
      {"Access denied for user 'shop'@'10.244.1.5' (using password: YES)", "database-auth-failed", "shop"},
      {"MongoServerError: Authentication failed.", "database-auth-failed", ""},
      {"FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
       "runtime-out-of-memory", "JavaScript heap out of memory"},
      {"fatal error: runtime: out of memory", "runtime-out-of-memory", "runtime: out of memory"},
      {"panic: runtime error: index out of range [3] with length 3", "unhandled-exception",
       "panic: runtime error: index out of range [3] with length 3"},
      {"thread 'main' panicked at src/main.rs:4:37:", "unhandled-exception",
       "thread 'main' panicked at src/main.rs:4:37:"},
      {"TypeError: Cannot read properties of undefined (reading 'map')", "unhandled-exception",
       "TypeError: Cannot read properties of undefined (reading 'map')"},
      {"ZeroDivisionError: division by zero", "division-by-zero", "ZeroDivisionError: division by zero"},
      {"panic: runtime error: integer divide by zero", "division-by-zero", "integer divide by zero"},
      {"Error: environment variable DATABASE_URL is not set", "missing-environment-variable", "DATABASE_URL"},
      {"missing required environment variable: REDIS_URL", "missing-environment-variable", "REDIS_URL"},
      {"open /app/cache/index.db: read-only file system", "read-only-filesystem", "/app/cache/index.db"},
      {"OSError: [Errno 30] Read-only file system: '/app/tmp'", "read-only-filesystem", "/app/tmp"},
      {"write /var/lib/data/wal-0001: no space left on device", "disk-full", "/var/lib/data/wal-0001"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.line);
    LogScan scan = scanLog(c.line);
    const LogMatch* best = scan.best();
    ASSERT_NE(best, nullptr);
    EXPECT_EQ(best->signature->id, c.signature);
    EXPECT_EQ(best->target, c.target);
    EXPECT_EQ(best->line, 1);
  }
}

TEST(LogSignatures, HealthyLogsMatchNothing) {
  LogScan scan = scanLog("INFO starting\nINFO listening on :8080\nGET /healthz 200 1ms\n");
  EXPECT_EQ(scan.best(), nullptr);
  EXPECT_TRUE(scan.matches.empty());
  EXPECT_EQ(scan.lines, 3);
  EXPECT_EQ(scan.explanation(), "");
}

TEST(LogSignatures, TheMostSpecificSignatureExplainsTheLog) {
  std::string log =
      "Traceback (most recent call last):\n"
      "  File \"/app/db.py\", line 3, in <module>\n"
      "psycopg2.OperationalError: connection to server at \"db\" (10.96.1.1), port 5432 failed: Connection "
      "refused\n";
  LogScan scan = scanLog(log);
  ASSERT_NE(scan.best(), nullptr);
  EXPECT_EQ(scan.best()->signature->id, "connection-refused");
  EXPECT_EQ(scan.best()->line, 3);
  EXPECT_EQ(scan.explanation(), "its connection to db:5432 is refused");
  EXPECT_EQ(scan.counts.at("unhandled-exception"), 2);  // the Traceback header and the exception line
}

TEST(LogSignatures, KeepsTheLastMatchesOfEachSignatureAndCountsAll) {
  std::string log;
  for (int i = 1; i <= 10; ++i)
    log += "attempt " + std::to_string(i) + ": dial tcp 10.0.0.1:80: connect: connection refused\n";
  LogScan scan = scanLog(log, 3);
  EXPECT_EQ(scan.counts.at("connection-refused"), 10);
  ASSERT_EQ(scan.matches.size(), 3U);
  EXPECT_EQ(scan.matches[0].line, 8);
  EXPECT_EQ(scan.matches[2].line, 10);
  EXPECT_EQ(scan.matches[2].text, "attempt 10: dial tcp 10.0.0.1:80: connect: connection refused");
}

TEST(LogSignatures, WithoutATargetTheClauseStillReads) {
  LogScan scan = scanLog("java.net.ConnectException: Connection refused (Connection refused)");
  EXPECT_EQ(scan.explanation(), "its connection to a dependency is refused");
}

TEST(LogSignatures, BinaryAndInvalidUtf8AreSafe) {
  static constexpr char kHeader[] = "\x00\x01\x02\xff\xfe binary header\n";
  static constexpr char kPng[] = "\x89PNG\r\n\x1a\n";
  std::string log(kHeader, sizeof(kHeader) - 1);  // embedded NUL bytes included
  log += std::string(kPng, sizeof(kPng) - 1);
  log +=
      "payload \xc3\x28 invalid \xed\xa0\x80 surrogate \xf4\x90\x80\x80 too big, then connection refused "
      "\xff\n";
  log += "\xe2\x82\xac euro ok\n";
  LogScan scan = scanLog(log);
  ASSERT_NE(scan.best(), nullptr);
  EXPECT_EQ(scan.best()->signature->id, "connection-refused");
  EXPECT_EQ(scan.best()->line, 4);
  EXPECT_EQ(scan.best()->text,
            "payload \xEF\xBF\xBD( invalid \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD surrogate "
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD too big, then connection refused \xEF\xBF\xBD");
  EXPECT_EQ(scan.lines, 5);
}

TEST(LogSignatures, SanitizeStripsColourAndControlCharactersAndCutsOnACharacter) {
  EXPECT_EQ(sanitizeLine("\x1b[31mERROR\x1b[0m connect ECONNREFUSED\tnow\r"),
            "ERROR connect ECONNREFUSED now\xEF\xBF\xBD");
  std::string accents;
  for (int i = 0; i < 10; ++i)
    accents += "\xc3\xa9";  // é, two bytes each
  EXPECT_EQ(sanitizeLine(accents, 5), "\xc3\xa9\xc3\xa9…");
  EXPECT_EQ(sanitizeLine("trailing   "), "trailing");
}

TEST(LogSignatures, CrLfLinesAndColourCodesStillMatch) {
  LogScan scan = scanLog("ok\r\n\x1b[31mERROR\x1b[0m connect ECONNREFUSED 127.0.0.1:6379\r\n");
  ASSERT_NE(scan.best(), nullptr);
  EXPECT_EQ(scan.best()->line, 2);
  EXPECT_EQ(scan.best()->text, "ERROR connect ECONNREFUSED 127.0.0.1:6379");
  EXPECT_EQ(scan.best()->target, "127.0.0.1:6379");
}

TEST(LogSignatures, ALargeLogIsScannedToTheEnd) {
  std::string log;
  log.reserve(4 << 20);
  while (log.size() < (4U << 20))
    log += "2024-05-01T11:00:00Z INFO request served in 3ms path=/api/items status=200\n";
  log += "2024-05-01T11:59:59Z FATAL dial tcp 10.0.0.9:9092: connect: connection refused\n";
  LogScan scan = scanLog(log);
  ASSERT_NE(scan.best(), nullptr);
  EXPECT_EQ(scan.best()->line, scan.lines);
  EXPECT_EQ(scan.best()->target, "10.0.0.9:9092");
}

TEST(LogSignatures, ListeningPortFromCommonFrameworks) {
  const std::pair<const char*, int> cases[] = {
      {"Listening on :3000", 3000},
      {"INFO:     Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)", 8000},
      {"Tomcat started on port(s): 8080 (http) with context path ''", 8080},
      {"Server listening on port 5000", 5000},
      {" * Running on http://127.0.0.1:5000", 5000},
      {"2024/05/01 11:00:00 listening on 0.0.0.0:9090", 9090},
  };
  for (const auto& [line, port] : cases) {
    SCOPED_TRACE(line);
    auto found = listeningPort(std::string("boot\n") + line + "\n");
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->port, port);
    EXPECT_EQ(found->line, 2);
  }
  EXPECT_FALSE(
      listeningPort("Started Application in 12.345 seconds (process running for 13.1)\n").has_value());
}

TEST(LogSignatures, EverySignatureNamesARuleInTheCatalogueOrder) {
  std::set<std::string_view> ids;
  for (const Signature& s : signatures()) {
    EXPECT_TRUE(ids.insert(s.id).second) << s.id;
    EXPECT_EQ(s.ruleId.substr(0, 7), "AIOPS-D");
    EXPECT_NE(s.clause.find("{target}"), std::string_view::npos) << s.id;
    EXPECT_EQ(s.clauseWithoutTarget.find('{'), std::string_view::npos) << s.id;
  }
  EXPECT_EQ(ids.size(), 15U);
}

}  // namespace
}  // namespace aiops::diagnose
