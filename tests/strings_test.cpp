#include "events/strings.hpp"

#include <gtest/gtest.h>

namespace tmo::strings {
namespace {

TEST(StringsTest, JoinPutsTheSeparatorBetweenParts) {
  EXPECT_EQ(join({}, ", "), "");
  EXPECT_EQ(join({"a"}, ", "), "a");
  EXPECT_EQ(join({"a", "b", "c"}, ", "), "a, b, c");
  EXPECT_EQ(join({"ls", "-l"}, " "), "ls -l");
  // Every part keeps its separators, empty ones too (a screen's lines).
  EXPECT_EQ(join({"", "", "b"}, "\n"), "\n\nb");
  EXPECT_EQ(join({"", "a", "", "b"}, "|"), "|a||b");
  EXPECT_EQ(join({"a", ""}, "|"), "a|");
}

TEST(StringsTest, TrimTakesAllAsciiWhitespace) {
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim(" \t\r\n"), "");
  EXPECT_EQ(trim("\t Goal: x \r\n"), "Goal: x");
  EXPECT_EQ(trim("a b"), "a b");
}

TEST(StringsTest, TrimBlanksTakesOnlySpacesAndTabs) {
  EXPECT_EQ(trim_blanks("  > hi\t"), "> hi");
  EXPECT_EQ(trim_blanks("\r x \n"), "\r x \n");
  EXPECT_EQ(trim_blanks(" \t "), "");
}

TEST(StringsTest, LowerChangesOnlyAsciiLetters) {
  EXPECT_EQ(lower("None N/A"), "none n/a");
  EXPECT_EQ(lower("\xC3\x89t\xC3\xA9"), "\xC3\x89t\xC3\xA9");  // "Été"
  EXPECT_EQ(lower("ABC-123"), "abc-123");
}

TEST(StringsTest, StartsAndEndsWith) {
  EXPECT_TRUE(starts_with("exit status 1", "exit status "));
  EXPECT_FALSE(starts_with("exit", "exit status"));
  EXPECT_TRUE(starts_with("x", ""));
  EXPECT_TRUE(ends_with("notes.txt", ".txt"));
  EXPECT_FALSE(ends_with("txt", "notes.txt"));
}

// Pinned: pane snapshot hashes in existing logs were made with these
// values (tmo's offset basis, not the standard one: see strings.hpp).
TEST(StringsTest, Fnv1aKeepsTheHashesAlreadyStored) {
  EXPECT_EQ(fnv1a(""), 1469598103934665603ULL);
  EXPECT_EQ(fnv1a("a"), 4953267810257967366ULL);
  EXPECT_EQ(fnv1a("foobar"), 9870438755804841970ULL);
  EXPECT_EQ(fnv1a_hex("a"), "44bd8ad473cd9906");
  EXPECT_EQ(fnv1a_hex(""), "14650fb0739d0383");
  EXPECT_NE(fnv1a("ab"), fnv1a("ba"));
}

}  // namespace
}  // namespace tmo::strings
