package slug

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestMake(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"ascii", "Hello, World!", "hello-world"},
		{"apostrophes vanish", "Don't panic, it’s fine", "dont-panic-its-fine"},
		{"runs of symbols are one dash", "a---b___c  &  d", "a-b-c-d"},
		{"typographic quotes", "Yoon: “Russia Needs to Judge”", "yoon-russia-needs-to-judge"},
		{"hangul", "서울시, 지하철 요금 150원 인상", "서울시-지하철-요금-150원-인상"},
		{"hangul jamo composed (NFC)", "\u1112\u1161\u11ab\u1100\u1173\u11af", "한글"},
		{"hiragana and kanji", "東京で桜が満開に", "東京で桜が満開に"},
		{"katakana", "コンピュータ・ウイルス", "コンピュータ-ウイルス"},
		{"han", "中国经济 增长", "中国经济-增长"},
		{"cyrillic", "Москва — Столица России", "москва-столица-россии"},
		{"greek final sigma", "ΟΔΟΣ Αθηνάς", "οδοσ-αθηνάς"},
		{"accented latin kept", "Crème Brûlée à la Café", "crème-brûlée-à-la-café"},
		{"decomposed accents composed", "Cafe\u0301", "café"},
		{"non-decomposing latin", "Straße & Œuvre – Łódź", "straße-œuvre-łódź"},
		{"digits only", "2024", "2024"},
		{"digits and punctuation", "3.14 / 2,718", "3-14-2-718"},
		{"arabic-indic digits", "١٢٣", "١٢٣"},
		{"symbols only", "!!! ??? ★ → ©", ""},
		{"emoji only", "🎉🎉", ""},
		{"empty", "", ""},
		{"soft hyphen and joiners dropped", "co\u00adop\u200dera\u200ction", "cooperation"},
		{"devanagari marks kept", "हिन्दी समाचार", "हिन्दी-समाचार"},
		{"mark at start dropped", "\u0301abc", "abc"},
		{"thai", "ข่าวไทย วันนี้", "ข่าวไทย-วันนี้"},
		{"arabic", "أخبار اليوم", "أخبار-اليوم"},
		{"mixed scripts", "BTS 방탄소년단, Tokyo 公演", "bts-방탄소년단-tokyo-公演"},
		{"fullwidth kept as written", "ＡＢＣ", "ａｂｃ"},
	} {
		if got := Make(tc.in); got != tc.want {
			t.Errorf("%s: Make(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestMakeLong(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     string // "" means: only check the invariants
	}{
		{"latin words cut at a dash", strings.Repeat("word ", 40), strings.TrimSuffix(strings.Repeat("word-", 16), "-")},
		{"one long latin word cut between letters", strings.Repeat("x", 100), strings.Repeat("x", MaxLen)},
		// 26 syllables are 78 bytes; the 27th would end at 81.
		{"hangul words cut at a dash", strings.Repeat("가나다 ", 10), strings.TrimSuffix(strings.Repeat("가나다-", 8), "-")},
		{"one long hangul word cut between syllables", strings.Repeat("가", 40), strings.Repeat("가", 26)},
		{"han cut between ideographs", strings.Repeat("漢", 40), strings.Repeat("漢", 26)},
		{"han after a dash still cut between ideographs", "2024 " + strings.Repeat("漢", 40), "2024-" + strings.Repeat("漢", 25)},
		{"katakana run cut at the dash before it", "ニュース " + strings.Repeat("カ", 40), "ニュース"},
		{"marks stay with their base", strings.Repeat("e\u0301", 50), strings.Repeat("é", 40)},
		{"one base with endless marks", "a" + strings.Repeat("\u0301", 100), ""},
	} {
		got := Make(tc.in)
		if tc.want != "" && got != tc.want {
			t.Errorf("%s: got %q (%d bytes), want %q", tc.name, got, len(got), tc.want)
		}
		if len(got) > MaxLen || got == "" || !Valid(got) {
			t.Errorf("%s: %q (%d bytes) is empty, too long or not Valid", tc.name, got, len(got))
		}
	}
}

func TestFromTitle(t *testing.T) {
	for _, tc := range []struct{ title, file, want string }{
		{"Hello", "a.txt", "hello"},
		{"!!!", "dir/My Notes.txt", "my-notes"},
		{"★", "기사/서울 소식.md", "서울-소식"},
		{"★", `dir\Windows Name.md`, "windows-name"},
		{"★", "dir/★.txt", Fallback},
		{"", ".md", Fallback},
	} {
		if got := FromTitle(tc.title, tc.file); got != tc.want {
			t.Errorf("FromTitle(%q, %q) = %q, want %q", tc.title, tc.file, got, tc.want)
		}
	}
}

func TestValid(t *testing.T) {
	for _, s := range []string{
		"hello-world", "yoon-russia-needs-to-judge-2", "150", "article", "서울시-지하철-요금-150원-인상",
		"東京で桜が満開に", "москва", "café", "हिन्दी", strings.Repeat("a", maxValid),
	} {
		if !Valid(s) {
			t.Errorf("Valid(%q) = false", s)
		}
	}
	for _, s := range []string{
		"", "-a", "a-", "a--b", "A", "Hello", "a b", "a/b", "..", ".", "a.b", "a_b", "a%20b", "\x00",
		"cafe\u0301", // not NFC
		"\xff", "\u0301a", "a-\u0301b", "dontʼ", strings.Repeat("a", maxValid+1), "a\u200db",
	} {
		if Valid(s) {
			t.Errorf("Valid(%q) = true", s)
		}
	}
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"hello-world": "hello-world",
		"café":        "caf%C3%A9",
		"서울-150원":     "%EC%84%9C%EC%9A%B8-150%EC%9B%90",
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzMake checks the rule's promises for any input: the slug is empty or Valid, fits MaxLen,
// and is its own slug, so a slug given back (a front matter `slug` key) is kept as it is.
func FuzzMake(f *testing.F) {
	for _, s := range []string{"Hello, World!", "서울시, 지하철 요금 150원 인상", "東京で桜", "Москва",
		"Cafe\u0301", "!!!", "2024", strings.Repeat("가나 ", 30), "ΟΔΟΣ", "İstanbul", "ǅ", "a\u0301\u0302"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Make(s)
		if got == "" {
			return
		}
		if len(got) > MaxLen || !utf8.ValidString(got) || !norm.NFC.IsNormalString(got) {
			t.Fatalf("Make(%q) = %q: too long, invalid UTF-8 or not NFC", s, got)
		}
		if !Valid(got) {
			t.Fatalf("Make(%q) = %q is not Valid", s, got)
		}
		if again := Make(got); again != got {
			t.Fatalf("Make(Make(%q)) = %q, want %q", s, again, got)
		}
	})
}
