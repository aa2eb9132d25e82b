// Injected into a page by feedcheck.Chromium: finds every place where the browser broke a line
// of text between two characters that are not whitespace (a break inside a word, for scripts
// written with spaces between words), and writes the result into <body data-linebreaks>, which
// chromium --dump-dom prints. Each character's box comes from a Range; a box lower than the
// previous character's starts a new line.
(function () {
  var selectors = ["h1", "h2", "article p", "main p"];
  var out = { lines: 0, midword: [] };
  var seen = new Set();
  selectors.forEach(function (sel) {
    document.querySelectorAll(sel).forEach(function (el) {
      if (seen.has(el)) return;
      seen.add(el);
      var walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      var node, prevTop = null, prev = "";
      while ((node = walker.nextNode())) {
        var text = node.data;
        for (var i = 0; i < text.length; i++) {
          var range = document.createRange();
          range.setStart(node, i);
          range.setEnd(node, i + 1);
          var rects = range.getClientRects();
          if (!rects.length) continue;
          var top = rects[0].top;
          if (prevTop !== null && top > prevTop + 2) {
            out.lines++;
            if (!/\s/.test(prev) && !/\s/.test(text[i])) {
              out.midword.push({ element: el.tagName.toLowerCase(), before: prev, after: text[i],
                context: text.slice(Math.max(0, i - 6), i) + "/" + text.slice(i, i + 6) });
            }
          }
          prevTop = top;
          prev = text[i];
        }
      }
    });
  });
  document.body.setAttribute("data-linebreaks", JSON.stringify(out));
})();
