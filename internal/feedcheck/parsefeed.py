# Reads a feed on stdin, parses it with Universal Feed Parser and prints what a reader would
# see as JSON. Exit status 3 means feedparser is not importable.
import json
import sys
import time

try:
    import feedparser
except ImportError:
    sys.exit(3)


def when(parsed):
    # feedparser normalizes every date to a UTC struct_time.
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", parsed) if parsed else ""


body = sys.stdin.buffer.read()
d = feedparser.parse(body)
out = {
    "bozo": int(d.get("bozo", 0)),
    "bozo_exception": str(d.get("bozo_exception", "")),
    "version": d.get("version", ""),
    "title": d.feed.get("title", ""),
    "link": d.feed.get("link", ""),
    "id": d.feed.get("id", ""),
    "language": d.feed.get("language", ""),
    "updated": when(d.feed.get("updated_parsed")),
    "links": [{"rel": l.get("rel", ""), "href": l.get("href", "")} for l in d.feed.get("links", [])],
    "entries": [],
}
for e in d.entries:
    out["entries"].append({
        "id": e.get("id", ""),
        "title": e.get("title", ""),
        "link": e.get("link", ""),
        "summary": e.get("summary", ""),
        "content": [c.get("value", "") for c in e.get("content", [])],
        "authors": [{"name": a.get("name", ""), "email": a.get("email", "")} for a in e.get("authors", [])],
        "tags": [t.get("term", "") for t in e.get("tags", [])],
        "published": when(e.get("published_parsed")),
        "updated": when(e.get("updated_parsed")),
    })
json.dump(out, sys.stdout, ensure_ascii=False)
