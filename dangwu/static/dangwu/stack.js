/* Stacked tables on phones (.dw-stack in site.css): each cell is labelled with its column's header.

   The header stays the one source of the label: this copies it into data-label (a cell that has
   its own data-label keeps it), follows colspan and rowspan, and marks the first column's cells
   as the row's title (no label); a row under a rowspan continues the one above. It runs on the page and again on what htmx swaps in. */
(function () {
  "use strict";
  function labelTable(table) {
    var headRow = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!headRow) return;
    var heads = [];
    Array.prototype.forEach.call(headRow.cells, function (th) {
      for (var k = 0; k < (th.colSpan || 1); k++) heads.push(th.textContent.replace(/\s+/g, " ").trim());
    });
    Array.prototype.forEach.call(table.querySelectorAll(":scope > tbody, :scope > tfoot"), function (section) {
      var covered = [];  // rows still covered by a rowspan above, by column
      Array.prototype.forEach.call(section.rows, function (tr) {
        var col = 0;
        if (covered[0] > 0) tr.classList.add("dw-stack-more");  // more of the row above (a rowspan)
        Array.prototype.forEach.call(tr.cells, function (cell) {
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
  function labelAll() { document.querySelectorAll("table.dw-stack").forEach(labelTable); }
  document.addEventListener("DOMContentLoaded", labelAll);
  document.addEventListener("htmx:load", labelAll);
})();
