package article

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	gtext "github.com/yuin/goldmark/text"
	"go.yaml.in/yaml/v3"

	"github.com/feedpub/feedpub/internal/slug"
)

// Markdown: optional YAML (---) or TOML (+++) front matter, then CommonMark with GFM tables,
// strikethrough, autolinks and task lists. goldmark's default renderer already omits raw
// HTML and dangerous link schemes; its output still goes through bluemonday because the
// safety of published HTML should not rest on one library's defaults.

// markdownEngine and ugcPolicy are built once and only read afterwards; both are documented
// as safe for concurrent use.
var (
	markdownEngine = sync.OnceValue(func() goldmark.Markdown {
		return goldmark.New(goldmark.WithExtensions(extension.GFM))
	})
	ugcPolicy = sync.OnceValue(bluemonday.UGCPolicy)
)

// maxFrontMatterNodes caps how much YAML the converter walks, because aliases let a few
// bytes of YAML stand for an exponential number of nodes.
const maxFrontMatterNodes = 10000

func parseMarkdown(name, text string, loc *time.Location) (*Article, error) {
	meta, body, err := splitFrontMatter(name, text)
	if err != nil {
		return nil, err
	}
	a := &Article{Format: FormatMarkdown}
	if err := applyFrontMatter(name, meta, a, loc); err != nil {
		return nil, err
	}

	md := markdownEngine()
	src := []byte(body)
	doc := md.Parser().Parse(gtext.NewReader(src))
	render := func(n ast.Node) (string, error) {
		var buf bytes.Buffer
		if err := md.Renderer().Render(&buf, src, n); err != nil {
			return "", fmt.Errorf("%s: %w: rendering Markdown: %v", name, ErrInvalid, err)
		}
		return buf.String(), nil
	}

	// Without a front-matter title the first level-1 heading is the title; with one, a
	// leading heading that repeats it is dropped. Either way the title is not shown twice.
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		h, ok := n.(*ast.Heading)
		if !ok || h.Level != 1 {
			if a.Title != "" {
				break
			}
			continue
		}
		html, err := render(h)
		if err != nil {
			return nil, err
		}
		heading := visibleText(html)
		if a.Title == "" {
			a.Title = heading
			doc.RemoveChild(doc, h)
		} else if t := collapseSpace(a.Title); strings.EqualFold(t, heading) || strings.EqualFold(t, headingSource(h, src)) {
			// The source comparison catches titles with characters Markdown reads as markup,
			// such as "Hello <World>", whose rendered text differs from the title.
			doc.RemoveChild(doc, h)
		}
		break
	}

	if a.Summary == "" {
		if p := firstParagraph(doc); p != nil {
			html, err := render(p)
			if err != nil {
				return nil, err
			}
			a.Summary = visibleText(html)
		}
	}
	html, err := render(doc)
	if err != nil {
		return nil, err
	}
	a.ContentHTML = CleanText(strings.TrimSpace(ugcPolicy().Sanitize(html)))
	return a, nil
}

func firstParagraph(doc ast.Node) ast.Node {
	var found ast.Node
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if _, ok := n.(*ast.Paragraph); ok && entering {
			found = n
			return ast.WalkStop, nil
		}
		return ast.WalkContinue, nil
	})
	return found
}

// splitFrontMatter separates front matter from the Markdown body and decodes it into a map
// with lower-cased top-level keys. A file without front matter yields a nil map.
func splitFrontMatter(name, text string) (map[string]any, string, error) {
	first, rest, _ := strings.Cut(text, "\n")
	delim := trimSpace(first)
	if delim != "---" && delim != "+++" {
		return nil, text, nil
	}
	// The closing line is searched by offset so the front matter is one slice of text.
	fm, body, closed := "", "", false
	for pos := 0; ; {
		line, _, found := strings.Cut(rest[pos:], "\n")
		if l := strings.TrimRight(line, " \t"); l == delim || (delim == "---" && l == "...") {
			fm, closed = rest[:pos], true
			if found {
				body = rest[pos+len(line)+1:]
			}
			break
		}
		if !found {
			break
		}
		pos += len(line) + 1
	}
	if !closed {
		return nil, "", fmt.Errorf("%s: %w: front matter opened with %s is never closed", name, ErrInvalid, delim)
	}
	var meta map[string]any
	var err error
	if delim == "+++" {
		meta, err = decodeTOML(fm)
	} else {
		meta, err = decodeYAML(fm)
	}
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w: front matter: %v", name, ErrInvalid, err)
	}
	return meta, body, nil
}

func decodeTOML(fm string) (map[string]any, error) {
	var raw map[string]any
	if _, err := toml.Decode(fm, &raw); err != nil {
		return nil, err
	}
	meta := make(map[string]any, len(raw))
	for k, v := range raw {
		meta[strings.ToLower(k)] = normalizeTOML(v)
	}
	return meta, nil
}

// normalizeTOML maps TOML values onto the shapes applyFrontMatter reads, the same ones the
// YAML converter produces: strings, bools, time.Time, []any and map[string]any.
func normalizeTOML(v any) any {
	switch v := v.(type) {
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case []map[string]any:
		out := make([]any, len(v))
		for i, m := range v {
			out[i] = normalizeTOML(m)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = normalizeTOML(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[strings.ToLower(k)] = normalizeTOML(e)
		}
		return out
	}
	return v
}

func decodeYAML(fm string) (map[string]any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(fm), &doc); err != nil {
		return nil, err
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return map[string]any{}, nil // empty front matter
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return map[string]any{}, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("not a mapping of keys to values")
	}
	budget := maxFrontMatterNodes
	v, err := convertYAML(root, &budget)
	if err != nil {
		return nil, err
	}
	return v.(map[string]any), nil
}

// convertYAML turns a YAML node into plain values. Scalars stay strings (except booleans and
// null) so that dates keep their written form and can be read in the caller's zone rather
// than the UTC YAML assumes.
func convertYAML(n *yaml.Node, budget *int) (any, error) {
	*budget--
	if *budget < 0 {
		return nil, fmt.Errorf("too many nodes (more than %d)", maxFrontMatterNodes)
	}
	switch n.Kind {
	case yaml.AliasNode:
		return convertYAML(n.Alias, budget)
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return nil, err
			}
			return b, nil
		}
		return n.Value, nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := convertYAML(c, budget)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.Value == "<<" {
				continue // merge keys carry nothing applyFrontMatter reads
			}
			val, err := convertYAML(v, budget)
			if err != nil {
				return nil, err
			}
			out[strings.ToLower(k.Value)] = val
		}
		return out, nil
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

// applyFrontMatter reads the keys this package understands; others are left for other tools.
func applyFrontMatter(name string, meta map[string]any, a *Article, loc *time.Location) error {
	if len(meta) == 0 {
		return nil
	}
	if v, ok := meta["draft"]; ok {
		switch d := v.(type) {
		case bool:
			if d {
				return fmt.Errorf("%s: %w", name, ErrDraft)
			}
		case string:
			if strings.EqualFold(trimSpace(d), "true") {
				return fmt.Errorf("%s: %w", name, ErrDraft)
			}
		}
	}
	invalid := func(key, want string) error {
		return fmt.Errorf("%s: %w: front matter %s: expected %s", name, ErrInvalid, key, want)
	}
	text := func(key string) (string, error) {
		switch v := meta[key].(type) {
		case nil:
			return "", nil
		case string:
			return v, nil
		case bool:
			return strconv.FormatBool(v), nil
		}
		return "", invalid(key, "text")
	}
	// zoned reports whether the date carried its own UTC offset.
	date := func(key string) (t time.Time, zoned bool, err error) {
		switch v := meta[key].(type) {
		case nil:
			return time.Time{}, false, nil
		case time.Time:
			return tomlTime(name, key, v, loc)
		case string:
			if trimSpace(v) == "" {
				return time.Time{}, false, nil
			}
			t, zoned, ok := parseZonedDate(v, loc)
			if !ok {
				return time.Time{}, false, badDate(name, key, v)
			}
			return t, zoned, nil
		}
		return time.Time{}, false, badDate(name, key, fmt.Sprint(meta[key]))
	}

	var err error
	if a.Title, err = text("title"); err != nil {
		return err
	}
	if a.ID, err = text("id"); err != nil {
		return err
	}
	for _, key := range []string{"summary", "description"} {
		if a.Summary != "" {
			break
		}
		if a.Summary, err = text(key); err != nil {
			return err
		}
	}
	if a.Published, a.OwnOffset, err = date("date"); err != nil {
		return err
	}
	for _, key := range []string{"lastmod", "updated"} {
		if !a.Updated.IsZero() {
			break
		}
		if a.Updated, _, err = date(key); err != nil {
			return err
		}
	}
	for _, key := range []string{"lang", "language"} {
		v, err := text(key)
		if err != nil {
			return err
		}
		if trimSpace(v) == "" || a.Language != "" {
			continue
		}
		if a.Language, _ = canonicalLanguage(v); a.Language == "" {
			a.Warnings = append(a.Warnings, fmt.Sprintf("ignored front matter %s %q: not a BCP 47 language tag", key, v))
		}
	}
	s, err := text("slug")
	if err != nil {
		return err
	}
	if trimSpace(s) != "" {
		if a.Slug = slug.Make(s); a.Slug == "" {
			a.Warnings = append(a.Warnings, fmt.Sprintf("ignored front matter slug %q: it has no letter or digit", s))
		}
	}
	for _, key := range []string{"author", "authors"} {
		authors, ok := frontMatterAuthors(meta[key])
		if !ok {
			return invalid(key, "a name, a {name, email} map, or a list of them")
		}
		a.Authors = append(a.Authors, authors...)
	}
	for _, key := range []string{"tags", "categories"} {
		cats, ok := frontMatterList(meta[key])
		if !ok {
			return invalid(key, "a list of text")
		}
		a.Categories = appendCategories(a.Categories, cats...)
	}
	return nil
}

// tomlTime reads a TOML date. BurntSushi/toml marks zone-less values with sentinel
// locations; their wall-clock reading is re-read in loc, and a bare time of day is no date.
func tomlTime(name, key string, t time.Time, loc *time.Location) (_ time.Time, zoned bool, _ error) {
	switch t.Location().String() {
	case "datetime-local", "date-local":
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc), false, nil
	case "time-local":
		return time.Time{}, false, badDate(name, key, t.Format("15:04:05"))
	}
	return t, true, nil
}

func frontMatterAuthors(v any) ([]Author, bool) {
	switch v := v.(type) {
	case nil:
		return nil, true
	case string:
		return []Author{parseAddress(v)}, true
	case map[string]any:
		n, ok1 := v["name"].(string)
		e, ok2 := v["email"].(string)
		if (!ok1 && v["name"] != nil) || (!ok2 && v["email"] != nil) {
			return nil, false
		}
		return []Author{{Name: n, Email: e}}, true
	case []any:
		var out []Author
		for _, e := range v {
			if _, nested := e.([]any); nested {
				return nil, false
			}
			as, ok := frontMatterAuthors(e)
			if !ok {
				return nil, false
			}
			out = append(out, as...)
		}
		return out, true
	}
	return nil, false
}

// frontMatterList accepts a list of text, or one string of comma-separated items since that
// is how tags are often written by hand.
func frontMatterList(v any) ([]string, bool) {
	switch v := v.(type) {
	case nil:
		return nil, true
	case string:
		return strings.Split(v, ","), true
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

// parseAddress splits "Name <email>" as people write authors by hand; anything else is a name.
func parseAddress(s string) Author {
	s = trimSpace(s)
	if lt := strings.LastIndexByte(s, '<'); lt >= 0 && strings.HasSuffix(s, ">") {
		if email := s[lt+1 : len(s)-1]; isEmail(email) {
			return Author{Name: trimSpace(s[:lt]), Email: email}
		}
	}
	if isEmail(s) {
		return Author{Email: s}
	}
	return Author{Name: s}
}

// headingSource is a heading's text as written, without the leading #s.
func headingSource(h *ast.Heading, src []byte) string {
	var b strings.Builder
	lines := h.Lines()
	for i := range lines.Len() {
		seg := lines.At(i)
		b.Write(seg.Value(src))
	}
	return collapseSpace(b.String())
}
