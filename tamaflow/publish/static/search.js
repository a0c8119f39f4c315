/* tamaflow site search: substring match after NFKC + lower case, over window.TAMAFLOW_SEARCH
   (rows: kind, label, context, url, key[, whole label when cut]). Works from file:// (no fetch). Results are built with
   textContent only, so labels are never parsed as HTML. */
(function () {
  "use strict";
  var KIND = { procedure: "手続", city: "市", step: "作業" };
  var LIMIT = 300;
  var index = window.TAMAFLOW_SEARCH || [];
  var root = document.body.getAttribute("data-root") || "";

  function norm(s) {
    return String(s).normalize("NFKC").toLowerCase();
  }

  function search(query) {
    var terms = norm(query).split(/\s+/).filter(function (t) { return t.length > 0; });
    if (terms.length === 0) { return null; }
    return index.filter(function (row) {
      return terms.every(function (t) { return row[4].indexOf(t) !== -1; });
    });
  }

  function show(query) {
    var list = document.getElementById("search-results");
    var status = document.getElementById("search-status");
    if (!list || !status) { return; }
    while (list.firstChild) { list.removeChild(list.firstChild); }
    var hits = search(query);
    if (hits === null) {
      status.textContent = "検索語を入力してください。";
      return;
    }
    status.textContent = "「" + query.trim() + "」: " + hits.length + " 件" +
      (hits.length > LIMIT ? "（先頭 " + LIMIT + " 件を表示）" : "");
    hits.slice(0, LIMIT).forEach(function (row) {
      var li = document.createElement("li");
      li.className = "hit hit-" + row[0];
      var kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = KIND[row[0]] || row[0];
      var a = document.createElement("a");
      a.href = root + row[3];
      a.textContent = row[1];
      if (row[5]) { a.title = row[5]; }
      var ctx = document.createElement("span");
      ctx.className = "context";
      ctx.textContent = row[2];
      li.appendChild(kind);
      li.appendChild(a);
      li.appendChild(ctx);
      list.appendChild(li);
    });
  }

  var input = document.getElementById("search-input");
  if (!input) { return; }
  var q = new URLSearchParams(window.location.search).get("q") || "";
  input.value = q;
  show(q);
  input.addEventListener("input", function () { show(input.value); });
  document.getElementById("search-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    show(input.value);
  });
}());
