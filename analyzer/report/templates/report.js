/* schedlog report: sortable and filterable tables, and the full node table of an attempt built on request
   from the page's JSON data block. The page's CSP allows exactly this script (by its sha256 hash). */
(function () {
  "use strict";
  var FILTERS = { p: "passed", f: "failed", u: "unknown" };
  var NUMBER = /^[-+]?\d[\d,]*(\.\d+)?/;
  var dataBlock = document.getElementById("schedlog-data");
  var data = dataBlock ? JSON.parse(dataBlock.textContent) : { names: [], attempts: {} };

  function sortKey(cell) {
    var text = cell ? cell.textContent.replace(/^\s*\u2605\s*/, "").trim() : "";
    var number = NUMBER.exec(text);
    if (number) { return { kind: 0, value: parseFloat(number[0].replace(/,/g, "")) }; }
    return { kind: text ? 1 : 2, value: text.toLowerCase() };
  }

  function compare(a, b) {
    if (a.kind !== b.kind) { return a.kind - b.kind; }
    if (a.value < b.value) { return -1; }
    return a.value > b.value ? 1 : 0;
  }

  function sortBy(table, column, header) {
    var body = table.tBodies[0];
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(header.parentNode.cells, function (th) { th.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var rows = Array.prototype.map.call(body.rows, function (row, index) {
      return { row: row, key: sortKey(row.cells[column]), index: index };
    });
    rows.sort(function (x, y) {
      var order = compare(x.key, y.key);
      if (order !== 0 && x.key.kind === y.key.kind) { order = ascending ? order : -order; }
      return order || x.index - y.index;
    });
    rows.forEach(function (item) { body.appendChild(item.row); });
  }

  function makeSortable(table) {
    if (!table.tHead || !table.tBodies.length) { return; }
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, column) {
      th.classList.add("sortable");
      th.tabIndex = 0;
      th.title = "sort by this column";
      th.addEventListener("click", function () { sortBy(table, column, th); });
      th.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sortBy(table, column, th); }
      });
    });
  }

  function addFilter(table) {
    var tools = document.createElement("div");
    var input = document.createElement("input");
    var count = document.createElement("span");
    var rows = table.tBodies[0].rows;
    tools.className = "table-tools";
    input.type = "search";
    input.className = "table-filter";
    input.placeholder = "filter rows (all words must match)";
    input.setAttribute("aria-label", "filter the rows of the table below");
    count.className = "muted filter-count";
    function apply() {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      Array.prototype.forEach.call(rows, function (row) {
        var text = row.textContent.toLowerCase();
        var keep = words.every(function (word) { return text.indexOf(word) >= 0; });
        row.hidden = !keep;
        shown += keep ? 1 : 0;
      });
      count.textContent = shown + " of " + rows.length + " rows";
    }
    input.addEventListener("input", apply);
    tools.appendChild(input);
    tools.appendChild(count);
    table.parentNode.insertBefore(tools, table);
    apply();
  }

  function cell(row, text, numeric) {
    var td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "" : String(text);
    if (numeric) { td.className = "num"; }
    row.appendChild(td);
    return td;
  }

  function at(column, i) {
    return column === null || column[i] === undefined ? null : column[i];
  }

  /* Each node's total (the logged one, else the recomputed one), competition rank and gap to the winner. */
  function standings(attempt, names) {
    var totals = names.map(function (_, i) {
      var logged = at(attempt.logged, i);
      return logged !== null ? logged : at(attempt.recomputed, i);
    });
    var known = totals.filter(function (t) { return t !== null; }).sort(function (x, y) { return y - x; });
    var first = {};
    known.forEach(function (t, place) { if (!(t in first)) { first[t] = place + 1; } });
    var best = null;
    names.forEach(function (name, i) { if (name === attempt.winner) { best = totals[i]; } });
    return totals.map(function (t) {
      return { rank: t === null ? null : first[t], gap: t === null || best === null ? null : best - t };
    });
  }

  function fullTable(attempt) {
    var table = document.createElement("table");
    var head = table.createTHead().insertRow();
    var body = table.createTBody();
    var columns = ["rank", "node", "gap", "filter", "total logged", "total recomputed"].concat(attempt.plugins);
    var names = attempt.filter.split("").map(function (_, i) {
      return data.names[attempt.node === null ? i : attempt.node[i]];
    });
    var place = standings(attempt, names);
    var order = names.map(function (_, i) { return i; });
    table.className = "full-nodes";
    columns.forEach(function (name) {
      var th = document.createElement("th");
      th.textContent = name;
      head.appendChild(th);
    });
    order.sort(function (x, y) {
      var rx = place[x].rank === null ? Infinity : place[x].rank;
      var ry = place[y].rank === null ? Infinity : place[y].rank;
      return (names[y] === attempt.winner) - (names[x] === attempt.winner) || rx - ry || x - y;
    });
    order.forEach(function (i) {
      var row = body.insertRow();
      var name = names[i];
      if (name === attempt.winner) { row.className = "winner"; }
      cell(row, place[i].rank, true);
      cell(row, (name === attempt.winner ? "\u2605 " : "") + name, false);
      cell(row, place[i].gap, true);
      cell(row, FILTERS[attempt.filter.charAt(i)] || "unknown", false);
      cell(row, at(attempt.logged, i), true);
      cell(row, at(attempt.recomputed, i), true);
      attempt.plugins.forEach(function (plugin, p) {
        var value = at(attempt.values[p], i);
        var td = cell(row, value, true);
        if (attempt.hidden.indexOf(plugin) >= 0 && value !== null) {
          td.className = "num hidden-component";
          td.title = "hidden: not printed in the log";
        }
      });
    });
    return table;
  }

  function buildOnOpen(details) {
    details.addEventListener("toggle", function () {
      var attempt = data.attempts[details.getAttribute("data-attempt")];
      var holder = details.querySelector("div");
      if (!details.open || !attempt || holder.firstChild) { return; }
      var table = fullTable(attempt);
      holder.appendChild(table);
      makeSortable(table);
      addFilter(table);
    });
  }

  document.querySelectorAll("table.interactive").forEach(function (table) { makeSortable(table); addFilter(table); });
  document.querySelectorAll("table.nodes, table.heatmap, table#deciders").forEach(makeSortable);
  document.querySelectorAll("details.all-nodes").forEach(buildOnOpen);
}());
