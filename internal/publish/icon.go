package publish

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/feedpub/feedpub/internal/feed"
)

// maxIcon bounds the icon file: an icon is a few kilobytes, and it is held in memory.
const maxIcon = 1 << 20

// iconTypes are the content types of the image formats browsers and readers take as an icon,
// by extension; other files are sniffed.
var iconTypes = map[string]string{
	".ico":  "image/x-icon",
	".png":  "image/png",
	".gif":  "image/gif",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".webp": "image/webp",
	".svg":  "image/svg+xml",
}

// readIcon reads the site icon at path as the file served at feed.NameIcon, with its mtime;
// nil for an empty path. A file that is missing, too large or not an image is an error
// naming it, so that a bad icon setting is refused like any other.
func readIcon(path string) (*feed.File, time.Time, error) {
	if path == "" {
		return nil, time.Time{}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("icon %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("icon %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, time.Time{}, fmt.Errorf("icon %s: not a regular file", path)
	}
	body, err := io.ReadAll(io.LimitReader(f, maxIcon+1))
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("icon %s: %w", path, err)
	}
	if len(body) > maxIcon || len(body) == 0 {
		return nil, time.Time{}, fmt.Errorf("icon %s: %d bytes; want 1 to %d", path, len(body), maxIcon)
	}
	ctype := iconTypes[strings.ToLower(filepath.Ext(path))]
	if ctype == "" {
		ctype = http.DetectContentType(body)
	}
	if !strings.HasPrefix(ctype, "image/") {
		return nil, time.Time{}, fmt.Errorf("icon %s: not an image (%s)", path, ctype)
	}
	return &feed.File{Name: feed.NameIcon, ContentType: ctype, Body: body}, fi.ModTime(), nil
}
