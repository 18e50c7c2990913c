// The canonical .env file: python-dotenv's dialect feature by feature, the writer's refusals with
// their line numbers, and the write-back guarantees (untouched bytes stay, values round-trip).
// That every form reads exactly as python-dotenv reads it is checked against python-dotenv
// itself by tests/daemon/test_env_dialect.py, on the corpus tests/data/env_dialect_corpus.json.
#include <criterion/criterion.h>

#include <string>

#include "model/env_file.h"

using omega::settingsd::EnvError;
using omega::settingsd::EnvFile;
using Updates = std::map<std::string, std::optional<std::string>>;

namespace {

// Compares as std::string so temporaries live through the comparison; names the caller's line.
#define EXPECT_STR(actual, expected) expect_str((actual), (expected), __LINE__)
static void expect_str(const std::string& actual, const std::string& expected, int line) {
  cr_assert(actual == expected, "line %d: got [%s], want [%s]", line, actual.c_str(), expected.c_str());
}

EnvFile parse_ok(const std::string& text) {
  EnvFile f;
  std::vector<EnvError> errors;
  bool ok = EnvFile::parse(text, &f, &errors);
  cr_assert(ok, "rejected (line %d: %s)", errors.empty() ? 0 : errors[0].line,
            errors.empty() ? "" : errors[0].message.c_str());
  cr_assert(errors.empty());
  return f;
}

std::vector<EnvError> parse_bad(const std::string& text) {
  EnvFile f;
  std::vector<EnvError> errors;
  cr_assert_not(EnvFile::parse(text, &f, &errors), "accepted: %s", text.c_str());
  cr_assert_not(errors.empty());
  return errors;
}

std::string value_of(const EnvFile& f, const std::string& key) {
  auto values = f.values();
  auto it = values.find(key);
  cr_assert(it != values.end(), "no key %s", key.c_str());
  return it->second;
}

// Renders updates into `text` and reads the result back: the values the writer would publish.
EnvFile rendered(const std::string& text, const Updates& updates) { return parse_ok(parse_ok(text).render(updates)); }

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

// --- syntax -------------------------------------------------------------------------------

Test(env_parse, plain_values_comments_and_blank_lines) {
  EnvFile f = parse_ok("# header\n\nA=1\n   # indented comment\n\t\nB=two words\nC=\n");
  cr_assert_eq(f.entries().size(), 3u);
  EXPECT_STR(value_of(f, "A").c_str(), "1");
  EXPECT_STR(value_of(f, "B").c_str(), "two words");
  EXPECT_STR(value_of(f, "C").c_str(), "");
  cr_assert_eq(f.entries()[0].line, 3);
  cr_assert_eq(f.entries()[1].line, 6);
}

Test(env_parse, export_prefix) {
  EnvFile f = parse_ok("export A=1\nexport\tB='x'\nexport=3\nexportC=4\n");
  EXPECT_STR(value_of(f, "A").c_str(), "1");
  EXPECT_STR(value_of(f, "B").c_str(), "x");
  EXPECT_STR(value_of(f, "export").c_str(), "3");
  EXPECT_STR(value_of(f, "exportC").c_str(), "4");
}

Test(env_parse, spaces_around_equals_and_trailing_spaces) {
  EnvFile f = parse_ok("  A = 1  \nB= x y \t\n");
  EXPECT_STR(value_of(f, "A").c_str(), "1");
  EXPECT_STR(value_of(f, "B").c_str(), "x y");
}

Test(env_parse, inline_comments_need_whitespace_before_hash) {
  EnvFile f = parse_ok(
      "A=1 # one\nB=http://x/#frag\nC=#notacomment\nD= # empty\nE='q' # c\n"
      "F=\"q\"#c\n");
  EXPECT_STR(value_of(f, "A").c_str(), "1");
  EXPECT_STR(value_of(f, "B").c_str(), "http://x/#frag");
  EXPECT_STR(value_of(f, "C").c_str(), "#notacomment");
  EXPECT_STR(value_of(f, "D").c_str(), "");
  EXPECT_STR(value_of(f, "E").c_str(), "q");
  EXPECT_STR(value_of(f, "F").c_str(), "q");
}

Test(env_parse, single_quotes_are_literal) {
  EnvFile f = parse_ok("A='a \\n $HOME \"x\" # not comment'\nB=''\n");
  EXPECT_STR(value_of(f, "A").c_str(), "a \\n $HOME \"x\" # not comment");
  EXPECT_STR(value_of(f, "B").c_str(), "");
}

// python-dotenv decodes \\ \' \" \a \b \f \n \r \t \v in double quotes and keeps any other
// backslash as written: "\u00e9" stays six characters, "C:\temp" gets a tab.
Test(env_parse, double_quote_escapes) {
  EnvFile f = parse_ok("A=\"l1\\nl2\\tT\\r\\\"q\\\" back\\\\slash \\' \\a\\b\\f\\v # in\"\n");
  EXPECT_STR(value_of(f, "A").c_str(), "l1\nl2\tT\r\"q\" back\\slash ' \a\b\f\v # in");
  f = parse_ok("A=\"\\$ \\` \\u00e9 \\q\"\nB=\"C:\\temp\\dir\"\n");
  EXPECT_STR(value_of(f, "A").c_str(), "\\$ \\` \\u00e9 \\q");
  EXPECT_STR(value_of(f, "B").c_str(), "C:\temp\\dir");
}

Test(env_parse, single_quote_escapes) {
  EnvFile f = parse_ok("A='b\\'c'\nB='back\\\\slash'\nC='ends\\\\'\nD='a\\\"b \\n'\n");
  EXPECT_STR(value_of(f, "A").c_str(), "b'c");
  EXPECT_STR(value_of(f, "B").c_str(), "back\\slash");
  EXPECT_STR(value_of(f, "C").c_str(), "ends\\");
  EXPECT_STR(value_of(f, "D").c_str(), "a\\\"b \\n");
}

Test(env_parse, quoted_values_span_lines) {
  std::string pem = "-----BEGIN KEY-----\nMIIB\n-----END KEY-----";
  EnvFile f = parse_ok("# c\nTLS_KEY=\"" + pem + "\"\nNEXT='a\r\nb'\r\nLAST=1\n");
  EXPECT_STR(value_of(f, "TLS_KEY"), pem);
  EXPECT_STR(value_of(f, "NEXT"), "a\nb");  // a line break in quotes reads as \n, CRLF too
  cr_assert_eq(f.entries()[1].line, 5);
  cr_assert_eq(f.entries()[2].line, 7);
}

Test(env_parse, unquoted_values_are_literal) {
  EnvFile f = parse_ok("A=C:\\temp\\new\nB=$HOME\nC=${X:y}\nD=${HOME\nE=#x\n");
  EXPECT_STR(value_of(f, "A").c_str(), "C:\\temp\\new");
  EXPECT_STR(value_of(f, "B").c_str(), "$HOME");
  EXPECT_STR(value_of(f, "C").c_str(), "${X:y}");  // not an expansion python-dotenv knows
  EXPECT_STR(value_of(f, "D").c_str(), "${HOME");
  EXPECT_STR(value_of(f, "E").c_str(), "#x");
}

// Python's whitespace, not just space and tab: NBSP, U+3000, \v, U+001F.
Test(env_parse, unicode_whitespace_trims_and_starts_comments) {
  EnvFile f = parse_ok("A=b\xc2\xa0# c\nB=b \xe3\x80\x80\nC=\x0b b\x1f\n");
  EXPECT_STR(value_of(f, "A").c_str(), "b");
  EXPECT_STR(value_of(f, "B").c_str(), "b");
  EXPECT_STR(value_of(f, "C").c_str(), "b");
}

// `KEY` alone is a key without a value: python-dotenv gives None, pydantic-settings ignores it.
Test(env_parse, key_without_equals_is_unset) {
  EnvFile f = parse_ok("JUSTAKEY\nA#B=1\nC=1\n");
  cr_assert_eq(f.entries().size(), 3u);
  cr_assert_not(f.entries()[0].value.has_value());
  EXPECT_STR(f.entries()[1].key, "A");  // '#' ends a key and starts a comment
  cr_assert_not(f.entries()[1].value.has_value());
  cr_assert_eq(f.values().size(), 1u);
}

// python-dotenv takes any run of characters but '=', '#' and whitespace as a key (or text in
// single quotes); the schema refuses the ones it does not know.
Test(env_parse, keys_are_what_python_dotenv_reads) {
  EnvFile f = parse_ok("1A=x\nA-B=y\n\xc3\xa9=z\n'QUOTED'=w\n");
  EXPECT_STR(value_of(f, "1A").c_str(), "x");
  EXPECT_STR(value_of(f, "A-B").c_str(), "y");
  EXPECT_STR(value_of(f, "\xc3\xa9").c_str(), "z");
  EXPECT_STR(value_of(f, "QUOTED").c_str(), "w");
}

Test(env_parse, lone_cr_ends_a_line) {
  EnvFile f = parse_ok("A=x\ry\rB=1\r");
  EXPECT_STR(value_of(f, "A").c_str(), "x");
  cr_assert_not(f.entries()[1].value.has_value());  // `y` is a key of its own
  EXPECT_STR(value_of(f, "B").c_str(), "1");
  cr_assert_eq(f.entries()[2].line, 3);
}

Test(env_parse, quotes_inside_unquoted_values_are_literal) {
  EnvFile f = parse_ok("A=it's\nB=say \"hi\"\n");
  EXPECT_STR(value_of(f, "A").c_str(), "it's");
  EXPECT_STR(value_of(f, "B").c_str(), "say \"hi\"");
}

Test(env_parse, crlf_line_endings) {
  EnvFile f = parse_ok("# c\r\nA=1\r\nB='x y'\r\nC=\"z\"\r\n");
  EXPECT_STR(value_of(f, "A").c_str(), "1");
  EXPECT_STR(value_of(f, "B").c_str(), "x y");
  EXPECT_STR(value_of(f, "C").c_str(), "z");
}

Test(env_parse, utf8_bom_and_no_final_newline) {
  EnvFile f = parse_ok(
      "\xEF\xBB\xBF"
      "A=1\nB=2");
  EXPECT_STR(value_of(f, "A").c_str(), "1");
  EXPECT_STR(value_of(f, "B").c_str(), "2");
}

Test(env_parse, utf8_values) {
  EnvFile f = parse_ok("GREETING=h\xc3\xa9llo w\xc3\xb6rld\n");
  EXPECT_STR(value_of(f, "GREETING").c_str(), "h\xc3\xa9llo w\xc3\xb6rld");
}

Test(env_parse, empty_file) {
  EnvFile f = parse_ok("");
  cr_assert(f.entries().empty());
  f = parse_ok("\n\n# only comments\n");
  cr_assert(f.entries().empty());
}

// --- errors with line numbers ------------------------------------------------------------

Test(env_errors, duplicate_key_names_both_lines) {
  auto errors = parse_bad("A=1\n# c\nA=2\n");
  cr_assert_eq(errors.size(), 1u);
  cr_assert_eq(errors[0].line, 3);
  cr_assert(contains(errors[0].message, "duplicate key A"), "%s", errors[0].message.c_str());
  cr_assert(contains(errors[0].message, "line 1"), "%s", errors[0].message.c_str());
  // `export` does not make it a different key.
  cr_assert_eq(parse_bad("A=1\nexport A=1\n")[0].line, 2);
}

// Statements python-dotenv cannot parse (it skips them with a warning) are refused.
Test(env_errors, missing_or_broken_keys) {
  for (const char* bad : {"=x", "A B=x", "export =x", "''=x", "LOG_LEVEL debug"}) {
    auto errors = parse_bad(std::string("OK=1\n") + bad + "\n");
    cr_assert_eq(errors.size(), 1u, "%s", bad);
    cr_assert_eq(errors[0].line, 2, "%s", bad);
    cr_assert(contains(errors[0].message, "key"), "%s -> %s", bad, errors[0].message.c_str());
    cr_assert(contains(errors[0].message, "python-dotenv would skip"), "%s", errors[0].message.c_str());
  }
}

Test(env_errors, unterminated_quotes) {
  auto errors = parse_bad("A=1\nB='abc\nC=\"abc\\\"\nD=2\n");
  cr_assert_eq(errors.size(), 2u);
  cr_assert_eq(errors[0].line, 2);
  cr_assert(contains(errors[0].message, "unterminated single quote"));
  cr_assert_eq(errors[1].line, 3);  // the escaped quote does not close it
  cr_assert(contains(errors[1].message, "unterminated double quote"));
}

// A quote left open runs on to the next quote, lines later: the error names where it opened.
Test(env_errors, quote_left_open_names_both_lines) {
  auto errors = parse_bad("A=1\nB=\"abc\n\nC=\"def\"\n");
  cr_assert_eq(errors.size(), 1u);
  cr_assert_eq(errors[0].line, 2);
  cr_assert(contains(errors[0].message, "on line 4"), "%s", errors[0].message.c_str());
}

Test(env_errors, text_after_closing_quote) {
  auto errors = parse_bad("A='x'y\n");
  cr_assert_eq(errors[0].line, 1);
  cr_assert(contains(errors[0].message, "after the closing quote"));
}

// python-dotenv expands ${NAME} and ${NAME:-default} in every value, single-quoted too, from
// the earlier keys and the reading process's environment: the writer cannot know the result.
Test(env_errors, values_python_dotenv_would_expand) {
  auto errors = parse_bad("A=\"${HOME}\"\nB=${HOME}\nC='${HOME}'\nD=${UNSET:-x}\nE=${A}\nF=${}\nOK='$HOME ${X:y}'\n");
  cr_assert_eq(errors.size(), 6u);
  for (int i = 0; i < 6; ++i) {
    cr_assert_eq(errors[i].line, i + 1);
    cr_assert(contains(errors[i].message, "${...}"), "%s", errors[i].message.c_str());
    cr_assert(contains(errors[i].message, "write the value out"), "%s", errors[i].message.c_str());
    cr_assert_not(contains(errors[i].message, "HOME"), "the value is never echoed: %s", errors[i].message.c_str());
  }
}

Test(env_errors, every_problem_is_listed_at_once) {
  auto errors = parse_bad("A=1\nbad line\nA=2\nC='x\nD=ok\n=1\n");
  cr_assert_eq(errors.size(), 4u);
  cr_assert_eq(errors[0].line, 2);
  cr_assert_eq(errors[1].line, 3);
  cr_assert_eq(errors[2].line, 4);
  cr_assert_eq(errors[3].line, 6);
}

Test(env_errors, line_numbers_count_crlf_and_bom_lines) {
  auto errors = parse_bad("\xEF\xBB\xBF# c\r\n\r\nA=1\r\nA=2\r\n");
  cr_assert_eq(errors[0].line, 4);
}

Test(env_errors, failed_parse_leaves_output_untouched) {
  EnvFile f = parse_ok("KEEP=1\n");
  std::vector<EnvError> errors;
  cr_assert_not(EnvFile::parse("A='x\n", &f, &errors));
  EXPECT_STR(value_of(f, "KEEP").c_str(), "1");
}

// --- hostile input ------------------------------------------------------------------------

Test(env_hostile, nul_bytes) {
  auto errors = parse_bad(std::string("A=1\nB=x\0y\n", 10));
  cr_assert_eq(errors[0].line, 2);
  cr_assert(contains(errors[0].message, "NUL"));
}

Test(env_hostile, invalid_utf8) {
  auto errors = parse_bad("A=1\nB=\xff\xfe\n# \xc0\xaf comment\n");
  cr_assert_eq(errors.size(), 2u);
  cr_assert_eq(errors[0].line, 2);
  cr_assert(contains(errors[0].message, "UTF-8"));
  cr_assert_eq(errors[1].line, 3);
}

// python-dotenv reads control characters as they are; \v and U+001C-U+001F are whitespace to it.
Test(env_hostile, control_characters) {
  EnvFile f = parse_ok("A=x\x01y\nB='x\x1by'\nC=\"x\x7fy\"\nD=x\x1f\n");
  EXPECT_STR(value_of(f, "A").c_str(), "x\x01y");
  EXPECT_STR(value_of(f, "B").c_str(), "x\x1by");
  EXPECT_STR(value_of(f, "C").c_str(), "x\x7fy");
  EXPECT_STR(value_of(f, "D").c_str(), "x");
}

Test(env_hostile, huge_lines) {
  std::string big(8 << 20, 'v');
  EnvFile f = parse_ok("A=" + big + "\nB='" + big + "'\n");
  cr_assert_eq(value_of(f, "A").size(), big.size());
  cr_assert_eq(value_of(f, "B").size(), big.size());
  auto errors = parse_bad("A='" + big + "\n");
  cr_assert_eq(errors[0].line, 1);
}

Test(env_hostile, error_count_is_bounded) {
  std::string junk;
  for (int i = 0; i < 10000; ++i) junk += "bad line\n";
  auto errors = parse_bad(junk);
  cr_assert_leq(errors.size(), 101u);
  cr_assert(contains(errors.back().message, "too many errors"));
}

// --- render / round trips -----------------------------------------------------------------

Test(env_render, no_updates_is_byte_identical) {
  const char* texts[] = {
      "# c\n\nA=1\nexport B = 'x'  # note\nC=\"y\\n\"\n",
      "\xEF\xBB\xBF"
      "A=1\r\nB=2\r\n",
      "A=1",
      "",
      "  weird=  spaced   \n\n\n",
  };
  for (const char* text : texts) {
    EnvFile f = parse_ok(text);
    EXPECT_STR(f.render({}).c_str(), text);
  }
}

Test(env_render, replaces_in_place_keeping_everything_else) {
  std::string text = "# top\nA=1\n\n# about B\nexport B=old # keep me\nC='c'\n";
  EnvFile f = parse_ok(text);
  std::string out = f.render({{"B", std::string("new")}});
  EXPECT_STR(out.c_str(), "# top\nA=1\n\n# about B\nexport B=new # keep me\nC='c'\n");
}

Test(env_render, removes_lines_and_appends_new_keys) {
  EnvFile f = parse_ok("A=1\nB=2\nC=3\n");
  std::string out =
      f.render({{"B", std::nullopt}, {"Z", std::string("26")}, {"D", std::string("4")}, {"GONE", std::nullopt}});
  EXPECT_STR(out.c_str(), "A=1\nC=3\nD=4\nZ=26\n");
}

Test(env_render, appends_after_a_last_line_without_newline) {
  EnvFile f = parse_ok("A=1");
  EXPECT_STR(f.render({{"B", std::string("2")}}).c_str(), "A=1\nB=2\n");
  f = parse_ok("");
  EXPECT_STR(f.render({{"B", std::string("2")}}).c_str(), "B=2\n");
  f = parse_ok("A=1\nB=2");
  EXPECT_STR(f.render({{"B", std::nullopt}}).c_str(), "A=1\n");
  // A lone "\r" ends a line too (python reads files with universal newlines).
  f = parse_ok("A=1\r");
  EXPECT_STR(f.render({}), "A=1\r");
  EXPECT_STR(f.render({{"B", std::string("2")}}), "A=1\rB=2\n");
  EXPECT_STR(parse_ok("\r").render({{"B", std::string("2")}}), "\rB=2\n");
}

Test(env_render, crlf_file_stays_crlf) {
  EnvFile f = parse_ok("# c\r\nA=1\r\nB=2\r\n");
  std::string out = f.render({{"A", std::string("x y")}, {"N", std::string("new")}});
  EXPECT_STR(out.c_str(), "# c\r\nA='x y'\r\nB=2\r\nN=new\r\n");
  EnvFile again = parse_ok(out);
  EXPECT_STR(value_of(again, "A").c_str(), "x y");
}

Test(env_render, bom_is_kept) {
  EnvFile f = parse_ok(
      "\xEF\xBB\xBF"
      "A=1\n");
  EXPECT_STR(f.render({{"A", std::string("2")}}).c_str(),
             "\xEF\xBB\xBF"
             "A=2\n");
}

Test(env_render, quoting_choices) {
  EXPECT_STR(EnvFile::format_line("K", "plain-value_1.2:/@%+,=~").c_str(), "K=plain-value_1.2:/@%+,=~");
  EXPECT_STR(EnvFile::format_line("K", "").c_str(), "K=");
  EXPECT_STR(EnvFile::format_line("K", "two words").c_str(), "K='two words'");
  EXPECT_STR(EnvFile::format_line("K", "$HOME#x").c_str(), "K='$HOME#x'");
  EXPECT_STR(EnvFile::format_line("K", "it's").c_str(), "K=\"it's\"");
  EXPECT_STR(EnvFile::format_line("K", "a\nb").c_str(), "K=\"a\\nb\"");
  EXPECT_STR(EnvFile::format_line("K", "C:\\temp\\").c_str(), "K=\"C:\\\\temp\\\\\"");
  EXPECT_STR(EnvFile::format_line("K", "$HOME").c_str(), "K='$HOME'");
}

Test(env_render, values_python_dotenv_would_expand_are_not_writable) {
  std::string why;
  for (const char* v : {"${HOME}", "a${}b", "${X:-y}", "'${HOME}'"}) {
    cr_assert_not(EnvFile::writable(v, &why), "%s", v);
    cr_assert(contains(why, "${...}"));
  }
  cr_assert_not(EnvFile::writable(std::string("a\0b", 3), &why));
  cr_assert_not(EnvFile::writable("\xff", &why));
  for (const char* v : {"$HOME", "${X:y}", "${", "$", "}{$"}) cr_assert(EnvFile::writable(v, &why), "%s", v);
}

Test(env_render, every_awkward_value_round_trips) {
  const std::string values[] = {
      "",
      " ",
      "  lead and trail  ",
      "#",
      " #x",
      "a #b",
      "'",
      "\"",
      "\\",
      "\\n",
      "it's \"both\"",
      "$HOME $ {X} ${X:y} ${X `cmd`",
      "ends\\",
      "\\\"",
      "\\u00e9",
      "-----BEGIN KEY-----\nMIIB\n-----END KEY-----",
      "\xc2\xa0nbsp\xe3\x80\x80",
      "a\x0b\x0c\x07\x08\x1c",
      "x\xe2\x80\xa8y",
      "a\nb\r\nc\td",
      std::string("\x01\x1f\x7f", 3),
      "h\xc3\xa9llo \xf0\x9f\x98\x80",
      "=",
      "==x==",
      "export X=1",
      "# looks like a comment",
      std::string(100000, 'z'),
  };
  std::string text = "# keep\nK=old # trailing\nexport E=\"x\"#tight\n";
  EnvFile base = parse_ok(text);
  for (const std::string& v : values) {
    std::string out = base.render({{"K", v}, {"E", v}, {"NEW", v}});
    EnvFile again = parse_ok(out);
    cr_assert_eq(value_of(again, "K"), v, "K round trip failed for [%s]", v.c_str());
    cr_assert_eq(value_of(again, "E"), v, "E round trip failed for [%s]", v.c_str());
    cr_assert_eq(value_of(again, "NEW"), v, "NEW round trip failed for [%s]", v.c_str());
    cr_assert(out.rfind("# keep\n", 0) == 0);
    cr_assert(contains(out, "export E="));
    cr_assert(contains(out, " # trailing\n"));
  }
}

Test(env_render, untouched_lines_are_byte_identical) {
  std::string text =
      "# Header comment\r\n"
      "\r\n"
      "  export   A = \"a\\tb\"   # spaced out\r\n"
      "B='lit'\r\n"
      "C=3\r\n"
      "   # trailing comment\r\n";
  EnvFile f = parse_ok(text);
  std::string out = f.render({{"C", std::string("4")}});
  EXPECT_STR(out.c_str(),
             "# Header comment\r\n"
             "\r\n"
             "  export   A = \"a\\tb\"   # spaced out\r\n"
             "B='lit'\r\n"
             "C=4\r\n"
             "   # trailing comment\r\n");
}

Test(env_render, key_without_equals_gets_its_value_in_place) {
  EnvFile f = parse_ok("A=1\nJUSTAKEY  # note\nB=2\n");
  EXPECT_STR(f.render({{"JUSTAKEY", std::string("v w")}}), "A=1\nJUSTAKEY='v w'  # note\nB=2\n");
  EXPECT_STR(f.render({{"JUSTAKEY", std::nullopt}}), "A=1\nB=2\n");
}

// A value spanning lines is one statement: replaced or removed whole, kept whole otherwise.
Test(env_render, values_spanning_lines) {
  std::string text = "A=1\nTLS_KEY=\"-----BEGIN KEY-----\nMIIB\n-----END KEY-----\"  # pem\nB=2\n";
  EnvFile f = parse_ok(text);
  EXPECT_STR(f.render({{"TLS_KEY", std::string("x")}}), "A=1\nTLS_KEY=x  # pem\nB=2\n");
  EXPECT_STR(f.render({{"TLS_KEY", std::nullopt}}), "A=1\nB=2\n");
  EXPECT_STR(f.render({{"A", std::string("2")}, {"B", std::nullopt}}),
             "A=2\nTLS_KEY=\"-----BEGIN KEY-----\nMIIB\n-----END KEY-----\"  # pem\n");
}

// What follows a value on its line decides whether a bare value may stand there.
Test(env_render, the_rest_of_the_line_is_kept_and_respected) {
  EXPECT_STR(parse_ok("A=\"b\"#c\n").render({{"A", std::string("x")}}), "A='x'#c\n");
  EXPECT_STR(parse_ok("A= # c\n").render({{"A", std::string("x")}}), "A= 'x'# c\n");
  EXPECT_STR(parse_ok("A=b # c\n").render({{"A", std::string("")}}), "A= # c\n");
  EXPECT_STR(parse_ok("A=\"b\"#c\n").render({{"A", std::string("")}}), "A=''#c\n");
  for (const char* text : {"A=\"b\"#c\n", "A= # c\n", "A=b # c\n", "A='b'\t\n", "JUSTAKEY#c\n"}) {
    for (const char* v : {"", "x", "x y", "#", "ends\\", "a\nb"}) {
      std::string key = text[0] == 'J' ? "JUSTAKEY" : "A";
      EXPECT_STR(value_of(rendered(text, {{key, std::string(v)}}), key), v);
    }
  }
}

// Every form the parser accepts survives a render of other keys byte for byte.
Test(env_render, other_keys_never_disturb_a_statement) {
  const char* forms[] = {
      "K='b\\'c'",
      "K='ends\\\\'",
      "K=\"ends\\\\\"",
      "K=\"a\\\nb\"",
      "K='l1\r\nl2'",
      "K= # c",
      "K=v\xc2\xa0",
      "export K = \"x\" # c",
      "K",
      "K#c",
      "'K'=1",
  };
  for (const char* form : forms) {
    for (const char* ending : {"\n", "\r\n", "\r", ""}) {
      std::string text = std::string(form) + ending;
      std::string before = "OTHER=1\n" + text;
      EnvFile f = parse_ok(before);
      std::string out = f.render({{"OTHER", std::string("changed value")}, {"NEW", std::string("n")}});
      cr_assert(contains(out, text), "[%s] lost in [%s]", text.c_str(), out.c_str());
      EnvFile again = parse_ok(out);
      cr_assert(again.entries()[1].value == f.entries()[1].value, "[%s] reads differently", text.c_str());
      EXPECT_STR(f.render({{"OTHER", std::nullopt}}), text);
    }
  }
}

Test(env_render, example_file_round_trips) {
  FILE* fp = fopen(OMEGA_EXAMPLES_DIR "/omega.env", "rb");
  cr_assert_not_null(fp);
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, fp)) > 0) text.append(buf, n);
  fclose(fp);
  EnvFile f = parse_ok(text);
  EXPECT_STR(f.render({}).c_str(), text.c_str());
  EXPECT_STR(value_of(f, "LOG_LEVEL").c_str(), "INFO");
  std::string out = f.render({{"LOG_LEVEL", std::string("DEBUG")}});
  cr_assert_eq(out.size(), text.size() + 1);
  EXPECT_STR(value_of(parse_ok(out), "LOG_LEVEL").c_str(), "DEBUG");
}

Test(env_keys, valid_key_names) {
  cr_assert(EnvFile::is_valid_key("A"));
  cr_assert(EnvFile::is_valid_key("_A1"));
  cr_assert(EnvFile::is_valid_key("lower_ok"));
  cr_assert_not(EnvFile::is_valid_key(""));
  cr_assert_not(EnvFile::is_valid_key("1A"));
  cr_assert_not(EnvFile::is_valid_key("A-B"));
  cr_assert_not(EnvFile::is_valid_key(std::string(257, 'A')));
}
