// The catalog's behaviour: search (products, columns, business words) and column lineage.
(function () {
  "use strict";
  var root = document.body.getAttribute("data-root") || "";

  function fold(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  // -- search
  var entries = (window.MESH_SEARCH || []).map(function (e) {
    return {
      entry: e,
      name: fold(e.name.replace(/_/g, " ")) + " " + fold(e.name),
      words: fold(e.terms.join(" ")),
      text: fold(e.text + " " + e.tags.join(" ")),
    };
  });

  // a word and its singular (foyers, chevaux: foyer, chevau), so plurals find the glossary
  function stems(word) {
    return word.length > 3 && /[sx]$/.test(word) ? [word, word.slice(0, -1)] : [word];
  }

  function score(item, words) {
    var total = 0;
    for (var i = 0; i < words.length; i++) {
      var found = 0;
      stems(words[i]).forEach(function (w) {
        if (item.name.indexOf(w) >= 0) found = Math.max(found, 4);
        else if (item.words.indexOf(w) >= 0) found = Math.max(found, 3);
        else if (item.text.indexOf(w) >= 0) found = Math.max(found, 1);
      });
      if (!found) return 0;
      total += found;
    }
    return total + (item.entry.kind === "product" ? 2 : 0);
  }

  function search(query) {
    var phrase = fold(query).trim();
    if (!phrase) return [];
    var words = phrase.split(/\s+/);
    return entries
      .map(function (item) {
        var s = score(item, words);
        if (item.words.indexOf(phrase) >= 0) s += 3;
        return { item: item, score: s };
      })
      .filter(function (r) { return r.score > 0; })
      .sort(function (a, b) { return b.score - a.score || a.item.entry.name.localeCompare(b.item.entry.name); })
      .slice(0, 30)
      .map(function (r) { return r.item.entry; });
  }

  var input = document.getElementById("search");
  var list = document.getElementById("search-results");
  function show() {
    var found = search(input.value);
    list.innerHTML = "";
    found.forEach(function (e) {
      var li = document.createElement("li");
      li.className = "result result-" + e.kind;
      var a = document.createElement("a");
      a.href = root + e.url;
      a.textContent = e.name;
      li.appendChild(a);
      var kind = document.createElement("span");
      kind.className = "badge";
      kind.textContent = e.kind;
      li.insertBefore(kind, a);
      if (e.terms.length) {
        var t = document.createElement("span");
        t.className = "term";
        t.textContent = e.terms.join(", ");
        li.appendChild(t);
      }
      var p = document.createElement("div");
      p.className = "muted";
      p.textContent = e.text;
      li.appendChild(p);
      list.appendChild(li);
    });
    list.hidden = input.value.trim() === "";
    if (!found.length && !list.hidden) {
      var none = document.createElement("li");
      none.className = "muted";
      none.textContent = "Nothing found for “" + input.value + "”.";
      list.appendChild(none);
    }
  }
  if (input && list) {
    input.addEventListener("input", show);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { input.value = ""; show(); }
    });
  }

  // -- column lineage
  var data = document.getElementById("lineage-data");
  var panel = document.getElementById("column-lineage");
  if (!data || !panel) return;
  var lineage = JSON.parse(data.textContent);

  function refList(title, refs, empty) {
    var section = document.createElement("div");
    var h = document.createElement("h3");
    h.textContent = title;
    section.appendChild(h);
    var ul = document.createElement("ul");
    if (!refs.length) {
      var li = document.createElement("li");
      li.className = "muted";
      li.textContent = empty;
      ul.appendChild(li);
    }
    refs.forEach(function (r) {
      var li = document.createElement("li");
      var badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = r.domain;
      li.appendChild(badge);
      var label = r.column === "*" ? r.product + " (whole product, Python)" : r.product + "." + r.column;
      var node = document.createElement(r.url ? "a" : "span");
      if (r.url) node.href = r.url;
      node.textContent = label;
      li.appendChild(node);
      ul.appendChild(li);
    });
    section.appendChild(ul);
    return section;
  }

  function select(name) {
    var info = lineage[name];
    if (!info) return;
    document.querySelectorAll("tr[data-column]").forEach(function (row) {
      row.classList.toggle("selected", row.getAttribute("data-column") === name);
    });
    panel.innerHTML = "";
    var h = document.createElement("h2");
    h.textContent = name;
    panel.appendChild(h);
    panel.appendChild(refList(
      info.exact ? "Comes from" : "Computed by a Python function from",
      info.sources, "no upstream column (a constant, or computed in the product)"));
    panel.appendChild(refList("Read by", info.readers, "no product reads it yet"));
    panel.appendChild(refList("Referenced by (contracts' references)", info.referenced,
      "no contract references it"));
    panel.setAttribute("data-column", name);
  }

  document.querySelectorAll("tr[data-column]").forEach(function (row) {
    var name = row.getAttribute("data-column");
    row.addEventListener("click", function () { select(name); });
    row.addEventListener("keydown", function (event) {
      if (event.key === "Enter") select(name);
    });
  });
  var hash = decodeURIComponent(window.location.hash || "");
  if (hash.indexOf("#column-") === 0) select(hash.slice(8));
})();
