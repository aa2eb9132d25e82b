// Package section reads the small file that titles and describes a section: a folder under the
// article directory. It is the one reader of that file; the folder's name stands in for a title
// when there is none.
package section

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
)

// FileName is the section file in a folder. Its name has no article extension, so it is never
// read as an article. It is TOML:
//
//	title = "Politics"
//	description = "Elections, parliament and the presidency"
const FileName = "_section.toml"

// maxSize bounds the file: it holds two short strings.
const maxSize = 64 << 10

// Info is what a section file says; empty fields were not given.
type Info struct {
	Title       string `toml:"title"`
	Description string `toml:"description"`
}

// Dir reads section files below an article root.
type Dir string

// Section returns the Info of folder (slash-separated, relative to the root). A folder without
// the file has an empty Info and no error; an unreadable or malformed file is an error naming
// it, and the caller falls back to the folder name.
func (d Dir) Section(folder string) (Info, error) {
	path := filepath.Join(string(d), filepath.FromSlash(folder), FileName)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Info{}, nil
	}
	if err != nil {
		return Info{}, fmt.Errorf("section %s: %w", path, err)
	}
	if len(b) > maxSize {
		return Info{}, fmt.Errorf("section %s: larger than %d bytes", path, maxSize)
	}
	var info Info
	md, err := toml.Decode(string(b), &info)
	if err != nil {
		return Info{}, fmt.Errorf("section %s: %w", path, err)
	}
	if un := md.Undecoded(); len(un) > 0 {
		return Info{}, fmt.Errorf("section %s: unknown key %q (title and description are known)", path, un[0].String())
	}
	info.Title = strings.Join(strings.Fields(info.Title), " ")
	info.Description = strings.Join(strings.Fields(info.Description), " ")
	return info, nil
}
