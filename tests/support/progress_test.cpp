// ProgressLine: silent when disabled or when the work is fast, drawn while slow work runs, updated each
// second, and erased with blanks. Drawing is observed by waiting on the written text, never by sleeping.
#include "support/progress.h"

#include <gtest/gtest.h>

#include <sstream>

#include "shared_buffer.h"

namespace aiops {
namespace {

using test_support::SharedBuffer;

TEST(ProgressLine, Text) {
  EXPECT_EQ(ProgressLine::text("Listing pods in namespace shop", std::chrono::seconds(0)),
            "Listing pods in namespace shop... 0s");
  EXPECT_EQ(ProgressLine::text("Listing pods", std::chrono::seconds(12)), "Listing pods... 12s");
}

TEST(ProgressLine, DisabledDrawsNothing) {
  std::ostringstream err;
  { ProgressLine progress(err, /*enabled=*/false, "Listing pods", std::chrono::milliseconds(0)); }
  EXPECT_EQ(err.str(), "");
}

TEST(ProgressLine, FastWorkDrawsNothing) {
  std::ostringstream err;
  { ProgressLine progress(err, /*enabled=*/true, "Listing pods", std::chrono::hours(1)); }
  EXPECT_EQ(err.str(), "");
}

TEST(ProgressLine, DrawnAfterTheDelayAndErasedWithBlanks) {
  SharedBuffer buffer;
  std::ostream err(&buffer);
  {
    ProgressLine progress(err, /*enabled=*/true, "Listing pods", std::chrono::milliseconds(0));
    ASSERT_TRUE(buffer.waitFor("Listing pods... 0s", std::chrono::seconds(30))) << buffer.text();
  }
  const std::string text = buffer.text();
  EXPECT_TRUE(text.starts_with("\rListing pods... 0s")) << text;
  EXPECT_TRUE(text.ends_with("\r" + std::string(std::string("Listing pods... 0s").size(), ' ') + "\r"))
      << text;
}

TEST(ProgressLine, UpdatedEverySecond) {
  SharedBuffer buffer;
  std::ostream err(&buffer);
  {
    ProgressLine progress(err, /*enabled=*/true, "Listing pods", std::chrono::milliseconds(0));
    ASSERT_TRUE(buffer.waitFor("\rListing pods... 1s", std::chrono::seconds(30))) << buffer.text();
  }
  EXPECT_TRUE(buffer.text().starts_with("\rListing pods... 0s\rListing pods... 1s")) << buffer.text();
}

}  // namespace
}  // namespace aiops
