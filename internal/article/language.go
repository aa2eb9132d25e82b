package article

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
)

// canonicalLanguage returns the BCP 47 form of a declared language ("ko_KR" and "KO-kr" are
// "ko-KR"), or ok false when the value is no language tag at all.
func canonicalLanguage(s string) (string, bool) {
	s = strings.ReplaceAll(trimSpace(s), "_", "-")
	if s == "" {
		return "", false
	}
	tag, err := language.Parse(s)
	if err != nil {
		return "", false
	}
	return tag.String(), true
}

// singleLanguageScripts are the scripts written for one language only, so that the script alone
// names it. Latin, Cyrillic, Arabic, Devanagari and the like serve many languages and name none.
var singleLanguageScripts = [...]struct {
	script *unicode.RangeTable
	lang   string
}{
	{unicode.Thai, "th"},
	{unicode.Greek, "el"},
	{unicode.Hebrew, "he"},
	{unicode.Georgian, "ka"},
	{unicode.Armenian, "hy"},
	{unicode.Lao, "lo"},
	{unicode.Khmer, "km"},
	{unicode.Myanmar, "my"},
	{unicode.Sinhala, "si"},
}

// DetectLanguage names the language of text from the script of its letters: Hangul is Korean,
// kana Japanese, Han without either Chinese, and the scripts of singleLanguageScripts their one
// language. It returns "" when the letters are mostly of a script many languages share (Latin,
// Cyrillic, Arabic, ...), where guessing would be wrong more often than the site's language.
// Each Hangul, kana or Han character counts as two letters, being a syllable or a word rather
// than a sound, so a Korean headline with one English name is still Korean.
func DetectLanguage(text string) string {
	var c scriptCounts
	c.add(text)
	return c.language()
}

// scriptCounts are the letters of a text by script, as DetectLanguage counts them.
type scriptCounts struct {
	hangul, kana, han, shared int
	single                    [len(singleLanguageScripts)]int
}

// add counts the letters of text.
func (c *scriptCounts) add(text string) {
next:
	for _, r := range text {
		if r < utf8.RuneSelf {
			// ASCII letters are Latin, a shared script: the common case skips the tables,
			// which made this a tenth of a cold build's CPU when it ran per entry per feed.
			if isASCIILetter(byte(r)) {
				c.shared++
			}
			continue
		}
		if !unicode.IsLetter(r) {
			continue
		}
		switch {
		case unicode.Is(unicode.Hangul, r):
			c.hangul += 2
			continue
		case unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r):
			c.kana += 2
			continue
		case unicode.Is(unicode.Han, r):
			c.han += 2
			continue
		}
		for i, s := range &singleLanguageScripts {
			if unicode.Is(s.script, r) {
				c.single[i]++
				continue next
			}
		}
		c.shared++
	}
}

// language is DetectLanguage's verdict on the letters counted.
func (c *scriptCounts) language() string {
	best, lang := c.shared, ""
	if cjk := c.hangul + c.kana + c.han; cjk > best {
		switch {
		case c.hangul > 0 && c.hangul >= c.kana:
			best, lang = cjk, "ko" // Korean text may carry Hanja
		case c.kana > 0:
			best, lang = cjk, "ja"
		default:
			best, lang = cjk, "zh"
		}
	}
	for i, n := range c.single {
		if n > best {
			best, lang = n, singleLanguageScripts[i].lang
		}
	}
	return lang
}

// DetectLanguageFor is DetectLanguage for an article on a site in siteLang: where the script
// names no language but the letters are mostly Latin and the site's language is written in a
// script of its own (Korean, Japanese, Chinese, Thai, ...), the article is taken for English,
// which is what such a site's Latin-script articles almost always are. Articles in another
// Latin-script language declare it (front matter lang).
func DetectLanguageFor(text, siteLang string) string {
	return DetectLanguageIn(siteLang, text)
}

// DetectLanguageIn is DetectLanguageFor of texts joined by newlines, without joining them:
// feeds judge the title and summary of every entry they render.
func DetectLanguageIn(siteLang string, texts ...string) string {
	var c scriptCounts
	for _, t := range texts {
		c.add(t)
	}
	if lang := c.language(); lang != "" {
		return lang
	}
	if !scriptLanguage(siteLang) {
		return ""
	}
	var latin, letters int
	for _, text := range texts {
		for _, r := range text {
			if r < utf8.RuneSelf {
				if isASCIILetter(byte(r)) {
					letters++
					latin++
				}
				continue
			}
			if unicode.IsLetter(r) {
				letters++
				if unicode.Is(unicode.Latin, r) {
					latin++
				}
			}
		}
	}
	if letters > 0 && 2*latin > letters {
		return "en"
	}
	return ""
}

// scriptLanguage reports whether lang is one that DetectLanguage can name from its script.
func scriptLanguage(lang string) bool {
	primary, _, _ := strings.Cut(strings.ToLower(lang), "-")
	switch primary {
	case "ko", "ja", "zh":
		return true
	}
	for _, s := range &singleLanguageScripts {
		if s.lang == primary {
			return true
		}
	}
	return false
}

// SameLanguage reports whether two BCP 47 tags name the same language, judging by the primary
// subtag ("ko" and "ko-KR" do; "zh-Hant" and "zh-Hans" do too, which is as far as script
// detection can tell anyway).
func SameLanguage(a, b string) bool {
	pa, _, _ := strings.Cut(a, "-")
	pb, _, _ := strings.Cut(b, "-")
	return pa != "" && strings.EqualFold(pa, pb)
}
