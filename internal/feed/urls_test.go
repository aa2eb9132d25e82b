package feed

import (
	"net/url"
	"testing"
)

func TestResolveHTML(t *testing.T) {
	base, _ := url.Parse("https://example.org/blog/articles/post.html")
	cases := []struct{ in, want string }{
		{`<a href="../x.html">x</a>`, `<a href="https://example.org/blog/x.html">x</a>`},
		{`<img src="img/a.png">`, `<img src="https://example.org/blog/articles/img/a.png">`},
		{`<a href="#frag">f</a>`, `<a href="https://example.org/blog/articles/post.html#frag">f</a>`},
		{`<a href="/abs">r</a>`, `<a href="https://example.org/abs">r</a>`},
		{`<a href="//cdn.example.net/x">c</a>`, `<a href="https://cdn.example.net/x">c</a>`},
		{`<a href="?q=1">q</a>`, `<a href="https://example.org/blog/articles/post.html?q=1">q</a>`},
		// Absolute URLs of any scheme and tags without URLs are copied byte for byte.
		{`<A HREF="https://other.example/x" Class=k>x</A>`, `<A HREF="https://other.example/x" Class=k>x</A>`},
		{`<a href="mailto:a@example.org">m</a>`, `<a href="mailto:a@example.org">m</a>`},
		{`<p>&nbsp;&amp; text</p><br/>`, `<p>&nbsp;&amp; text</p><br/>`},
		{`<img src="data:image/png;base64,AAAA">`, `<img src="data:image/png;base64,AAAA">`},
		{`<img srcset="a.png 1x, /b.png 2x,c.png" alt="x">`, `<img srcset="https://example.org/blog/articles/a.png 1x, https://example.org/b.png 2x, https://example.org/blog/articles/c.png" alt="x">`},
		{`<video poster="p.jpg" src="v.mp4"></video>`, `<video poster="https://example.org/blog/articles/p.jpg" src="https://example.org/blog/articles/v.mp4"></video>`},
		{`<blockquote cite="q.html">q</blockquote>`, `<blockquote cite="https://example.org/blog/articles/q.html">q</blockquote>`},
		// Attribute values are re-escaped when a tag is rewritten.
		{`<a href="a.html?x=1&amp;y=2" title="&quot;t&quot;">a</a>`, `<a href="https://example.org/blog/articles/a.html?x=1&amp;y=2" title="&#34;t&#34;">a</a>`},
		{`<a href="a b.html">s</a>`, `<a href="https://example.org/blog/articles/a%20b.html">s</a>`},
		// Text that merely looks like an attribute is left alone, as is script and style text.
		{`<p>href="x.html"</p>`, `<p>href="x.html"</p>`},
		{`<pre>&lt;a href="x"&gt;</pre>`, `<pre>&lt;a href="x"&gt;</pre>`},
		{`no markup = here`, `no markup = here`},
		{``, ``},
	}
	for _, c := range cases {
		if got := resolveHTML(c.in, base); got != c.want {
			t.Errorf("resolveHTML(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}
