// Output helpers: pretty JSON, YAML quoting, kubectl-style and Markdown tables, colour.
#include "support/output.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <sstream>

namespace aiops {
namespace {

namespace json = boost::json;

TEST(ToPrettyJson, TwoSpacesInsertionOrder) {
  const json::value v =
      json::parse(R"({"z":1,"a":[1,"two",{"k":null}],"m":{},"e":[],"b":true,"d":1.5,"s":"q\"x"})");
  EXPECT_EQ(toPrettyJson(v), R"({
  "z": 1,
  "a": [
    1,
    "two",
    {
      "k": null
    }
  ],
  "m": {},
  "e": [],
  "b": true,
  "d": 1.5,
  "s": "q\"x"
}
)");
  EXPECT_EQ(toPrettyJson(json::value(3)), "3\n");
}

TEST(ToYaml, QuotesStringsThatWouldChangeType) {
  json::object o;
  o["count"] = 3;
  o["numeric"] = "123";
  o["bool"] = "true";
  o["no"] = "no";
  o["float"] = "1.5";
  o["exp"] = "1e3";
  o["octal"] = "0o17";
  o["plain"] = "web-1";
  o["cpu"] = "500m";
  o["empty"] = "";
  o["null"] = nullptr;
  o["nested"] = json::object{{"list", json::array{"a", 1, json::object{}}}, {"none", json::array{}}};
  o["flag"] = false;
  EXPECT_EQ(toYaml(o), R"(count: 3
numeric: "123"
bool: "true"
"no": "no"
float: "1.5"
exp: "1e3"
octal: "0o17"
plain: web-1
cpu: 500m
empty: ""
"null": null
nested:
  list:
    - a
    - 1
    - {}
  none: []
flag: false
)");
}

TEST(YamlNeedsQuotes, Cases) {
  for (const char* s : {"",
                        "y",
                        "Yes",
                        "OFF",
                        "null",
                        "~",
                        "0",
                        "-12",
                        "+3",
                        "0x1F",
                        "1_000",
                        ".5",
                        "1.",
                        "-1.5e3",
                        ".inf",
                        "-.Inf",
                        ".NaN",
                        "1:20",
                        "190:20:30",
                        "2024-05-01",
                        "2024-05-01T10:00:00Z",
                        "2024-05-01 10:00:00.5 +02:00"}) {
    EXPECT_TRUE(yamlNeedsQuotes(s)) << s;
  }
  for (const char* s : {"web", "500m", "1Gi", "v1.32.0", "yess", "nope", "1.2.3", "10.0.0.1", ".", "-", "e3",
                        "0xZZ", "2024-05", "v2024-05-01"}) {
    EXPECT_FALSE(yamlNeedsQuotes(s)) << s;
  }
}

TEST(Table, TextIsAlignedWithThreeSpacesAndNoTrailingBlanks) {
  Table table({"Name", "Ready", "Status"});
  table.addRow({{"web-1"}, {"1/1"}, {"Running"}});
  table.addRow({{"api-server-2"}, {"0/1"}, {"CrashLoopBackOff", Colour::Red}});
  table.addRow({{"x"}, {""}, {""}});
  std::ostringstream out;
  table.printText(out);
  EXPECT_EQ(out.str(),
            "NAME           READY   STATUS\n"
            "web-1          1/1     Running\n"
            "api-server-2   0/1     CrashLoopBackOff\n"
            "x\n");
}

TEST(Table, ColourWrapsCellsWithoutBreakingAlignment) {
  Table table({"a", "b"});
  table.addRow({{"ok", Colour::Green}, {"1"}});
  table.addRow({{"long-name"}, {"2"}});
  std::ostringstream out;
  table.printText(out, /*colour=*/true);
  EXPECT_EQ(out.str(),
            "A           B\n"
            "\x1b[32mok\x1b[0m          1\n"
            "long-name   2\n");
}

TEST(Table, MarkdownEscapesPipes) {
  Table table({"Name", "Message"});
  table.addRow({{"web"}, {"a|b *c*"}});
  std::ostringstream out;
  table.printMarkdown(out);
  EXPECT_EQ(out.str(),
            "| Name | Message |\n"
            "| --- | --- |\n"
            "| web | a\\|b \\*c\\* |\n");
}

TEST(Table, ShortRowsArePadded) {
  Table table({"a", "b"});
  table.addRow({{"only"}});
  EXPECT_EQ(table.size(), 1u);
  std::ostringstream out;
  table.printMarkdown(out);
  EXPECT_EQ(out.str(), "| a | b |\n| --- | --- |\n| only |  |\n");
}

TEST(Colour, PaintAndNoColor) {
  EXPECT_EQ(paint("x", Colour::Red, true), "\x1b[31mx\x1b[0m");
  EXPECT_EQ(paint("x", Colour::Red, false), "x");
  EXPECT_EQ(paint("x", Colour::None, true), "x");
  ::setenv("NO_COLOR", "1", 1);
  EXPECT_FALSE(colourWanted(1));
  ::unsetenv("NO_COLOR");
  // A pipe is never a terminal.
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  EXPECT_FALSE(colourWanted(fds[1]));
  ::close(fds[0]);
  ::close(fds[1]);
}

}  // namespace
}  // namespace aiops
