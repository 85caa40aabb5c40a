/* Layouts that hold on a phone (site.css; dangwu/tests/test_narrow_screens.py sweeps every page).

   1. Stacked tables (.dw-stack): each cell is labelled with its column's header. The header stays
      the one source of the label: this copies it into data-label (a cell that has its own
      data-label keeps it), follows colspan and rowspan, and marks the first column's cells as the
      row's title (no label); a row under a rowspan continues the one above.
   2. Figures in running text ("最近一次思想汇报 2026-12-02", "欠交 774.90 元") are kept on one
      line: a browser breaks a date after its hyphens and, in a card, a long amount anywhere. Each
      figure gets the figures class (.dw-num) that templates put on the figures they show alone.

   Both run on the page and again on what htmx swaps in. */
(function () {
  "use strict";
  var each = function (list, f) { Array.prototype.forEach.call(list, f); };

  function labelTable(table) {
    var headRow = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!headRow) return;
    var heads = [];
    each(headRow.cells, function (th) {
      for (var k = 0; k < (th.colSpan || 1); k++) heads.push(th.textContent.replace(/\s+/g, " ").trim());
    });
    each(table.querySelectorAll(":scope > tbody, :scope > tfoot"), function (section) {
      var covered = [];  // rows still covered by a rowspan above, by column
      each(section.rows, function (tr) {
        var col = 0;
        if (covered[0] > 0) tr.classList.add("dw-stack-more");
        each(tr.cells, function (cell) {
          while (covered[col] > 0) { covered[col]--; col++; }
          if (col === 0) cell.classList.add("dw-stack-title");
          else if (!cell.hasAttribute("data-label") && heads[col]) cell.setAttribute("data-label", heads[col]);
          for (var k = 0; k < (cell.colSpan || 1); k++) covered[col + k] = (cell.rowSpan || 1) - 1;
          col += cell.colSpan || 1;
        });
        for (; col < covered.length; col++) if (covered[col] > 0) covered[col]--;
      });
    });
  }

  var FIGURE = /\d[\d.,:\/%×*-]*\d/g;
  var NOT_TEXT = "script, style, textarea, select, option, svg, [contenteditable], .dw-num, .dw-stat";

  function keepFigures(root) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT), found = [];
    for (var n = walker.nextNode(); n; n = walker.nextNode()) {
      FIGURE.lastIndex = 0;
      if (FIGURE.test(n.nodeValue) && n.parentElement && !n.parentElement.closest(NOT_TEXT)) found.push(n);
    }
    found.forEach(function (node) {
      var text = node.nodeValue, parts = document.createDocumentFragment(), last = 0, m;
      FIGURE.lastIndex = 0;
      while ((m = FIGURE.exec(text))) {
        parts.appendChild(document.createTextNode(text.slice(last, m.index)));
        var figure = document.createElement("span");
        figure.className = "dw-num";
        figure.textContent = m[0];
        parts.appendChild(figure);
        last = m.index + m[0].length;
      }
      parts.appendChild(document.createTextNode(text.slice(last)));
      node.parentNode.replaceChild(parts, node);
    });
  }

  function layout(root) {
    if (root.matches && root.matches("table.dw-stack")) labelTable(root);
    each(root.querySelectorAll("table.dw-stack"), labelTable);
    var table = root.closest && root.closest("table.dw-stack");  // rows swapped into a stacked table
    if (table) labelTable(table);
    keepFigures(root);
  }
  document.addEventListener("DOMContentLoaded", function () { layout(document.body); });
  document.addEventListener("htmx:load", function (event) {
    if (event.target !== document.body) layout(event.target);  // the body was done on DOMContentLoaded
  });
})();
