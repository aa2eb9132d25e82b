package feed

// DefaultFeedBytes is where the feed_bytes setting starts: several times what 50 ordinary
// articles weigh, so the budget only bites when articles are huge (20 of 9 MB made a 180 MB
// feed.json that readers time out on, and rendering it took 2.5 GB).
const DefaultFeedBytes = 4 << 20

// budget keeps a feed's full text within Site.FeedBytes: the newest entries carry their text
// as long as it fits, and from the first that does not, every later one carries its summary
// only, so a reader always has the newest articles whole. The cost counted is the text as the
// most expensive format writes it (XML, with its markup escaped), so every format fits.
func (r *Renderer) budget(items []item) {
	limit := r.site.FeedBytes
	if limit <= 0 {
		return
	}
	used := 0
	for i := range items {
		if used >= 0 {
			if n := escapedLen(items[i].content, limit-used); used+n <= limit {
				used += n
				continue
			}
			used = -1 // over: this entry and every older one get their summary
		}
		items[i].content = ""
	}
}

// escapedLen is the length of s escaped for XML text, counting no further than past stop.
func escapedLen(s string, stop int) int {
	n := 0
	for i := 0; i < len(s) && n <= stop; i++ {
		switch s[i] {
		case '<', '>':
			n += 4
		case '&':
			n += 5
		case '"', '\'':
			n += 6
		default:
			n++
		}
	}
	return n
}
