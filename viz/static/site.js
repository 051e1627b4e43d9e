/* Lumbopelvic pain atlas: behaviour of the body map, region networks, explorer and quiz.
 * Data arrives as JSON in <script type="application/json"> elements and is only ever put into
 * the page as text (textContent, DOM nodes, canvas labels), never as HTML. */
(function () {
  "use strict";

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function readJSON(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function markReady(api) {
    api.readyAt = null;
    api.network.once("afterDrawing", function () {
      api.readyAt = performance.now();
      document.documentElement.setAttribute("data-network-ready", "true");
    });
  }
  var site = window.kgSite = window.kgSite || {};

  /* ---------------------------------------------------------------- body map (index) */
  function bodyMap() {
    var svg = document.getElementById("bodymap");
    if (!svg) { return; }
    var info = readJSON("map-data") || {};
    var caption = document.getElementById("map-caption");
    var legend = document.getElementById("derm-legend");
    var btnRegions = document.getElementById("mode-regions");
    var btnDerm = document.getElementById("mode-derm");
    var shapes = Array.prototype.slice.call(svg.querySelectorAll("a.region"));
    var listItems = Array.prototype.slice.call(document.querySelectorAll("[data-region]"))
      .filter(function (n) { return n.tagName === "LI"; });
    var dermMode = false;

    function idle() {
      caption.textContent = "";
      caption.appendChild(el("span", "caption-idle", dermMode
        ? "Hover over a region to see which dermatomes cover it; click to open its page."
        : "Hover over a region to name it; click to open its page."));
    }
    function show(id) {
      var r = info[id];
      if (!r) { return; }
      caption.textContent = "";
      caption.appendChild(el("strong", "caption-name", r.label));
      var meta = r.count + " candidate source" + (r.count === 1 ? "" : "s");
      if (dermMode) {
        meta = r.dermatomes.length ? "covered by: " + r.dermatomes.join(", ") : "no dermatome recorded";
      }
      caption.appendChild(el("span", "caption-meta", meta));
    }
    function mark(id, on) {
      shapes.forEach(function (s) { if (s.getAttribute("data-region") === id) { s.classList.toggle("hover", on); } });
      listItems.forEach(function (li) { if (li.getAttribute("data-region") === id) { li.classList.toggle("hover", on); } });
    }
    shapes.concat(listItems).forEach(function (s) {
      var id = s.getAttribute("data-region");
      s.addEventListener("mouseenter", function () { mark(id, true); show(id); });
      s.addEventListener("mouseleave", function () { mark(id, false); idle(); });
      s.addEventListener("focusin", function () { mark(id, true); show(id); });
      s.addEventListener("focusout", function () { mark(id, false); idle(); });
    });
    function setMode(derm) {
      dermMode = derm;
      svg.classList.toggle("derm-on", derm);
      btnDerm.setAttribute("aria-pressed", derm ? "true" : "false");
      btnRegions.setAttribute("aria-pressed", derm ? "false" : "true");
      legend.hidden = !derm;
      idle();
    }
    btnRegions.addEventListener("click", function () { setMode(false); });
    btnDerm.addEventListener("click", function () { setMode(true); });
    idle();
    site.bodyMap = { setMode: setMode };
  }

  /* ------------------------------------------------------------------ shared network bits */
  function nodeStyle(kinds, n, isRegion) {
    var k = kinds[n.kind] || kinds.other;
    return {
      shape: k.shape,
      color: {
        background: k.fill, border: k.border,
        highlight: { background: k.fill, border: "#111827" },
        hover: { background: k.fill, border: "#111827" }
      },
      borderWidth: isRegion ? 3 : 2,
      font: isRegion ? { color: "#ffffff", size: 18, bold: true, face: "system-ui, sans-serif" }
        : { color: "#1f2937", size: 16, face: "system-ui, sans-serif" }
    };
  }
  function assign(target, src) { Object.keys(src).forEach(function (k) { target[k] = src[k]; }); return target; }

  /* ------------------------------------------------------------------ region page */
  function regionPage() {
    var data = readJSON("kg-network");
    var container = document.getElementById("network");
    if (!data || !container || typeof vis === "undefined") { return; }
    var nodeInfo = {};
    data.nodes.forEach(function (n) { nodeInfo[n.id] = n; });

    function edgeTip(e) {
      var box = el("div");
      box.appendChild(el("div", "tip-title", nodeInfo[e.from].label + " \u2192 " + e.label + " \u2192 " + nodeInfo[e.to].label));
      var m = data.mechanisms[e.mechanism] || data.mechanisms.other;
      box.appendChild(el("span", "chip mech-" + e.mechanism, m.label));
      if (e.frequency !== null && e.frequency !== undefined) {
        box.appendChild(el("div", "tip-meta", "Frequency: " + Math.round(e.frequency * 1000) / 10 + "%"));
      }
      if (e.grades && e.grades.length) { box.appendChild(el("div", "tip-meta", "Evidence grade: " + e.grades.join(", "))); }
      if (e.sources.length) {
        var ul = el("ul", "tip-sources");
        e.sources.forEach(function (s) { ul.appendChild(el("li", null, s.citation || s.id)); });
        box.appendChild(ul);
      }
      return box;
    }
    function nodeTip(n) {
      var box = el("div");
      box.appendChild(el("div", "tip-title", n.label));
      box.appendChild(el("div", "tip-meta", n.kind_label + (n.rank ? " \u00b7 candidate #" + n.rank : "")));
      return box;
    }
    var base = {};
    var visNodes = data.nodes.map(function (n) {
      var isRegion = n.kind === "BodyRegion";
      var v = assign({ id: n.id, label: n.label, x: n.x, y: n.y, title: nodeTip(n), size: n.rank ? 18 : 14,
        margin: 10 }, nodeStyle(data.kinds, n, isRegion));
      base[n.id] = v;
      return v;
    });
    var baseE = {};
    var crowded = data.edges.length > 30;  // edge names only on hover or focus, or they pile up
    var visEdges = data.edges.map(function (e) {
      var colour = (data.mechanisms[e.mechanism] || data.mechanisms.other).colour;
      var v = { id: e.id, from: e.from, to: e.to, label: crowded ? undefined : e.label, title: edgeTip(e), width: 2.5,
        color: { color: colour, highlight: colour, hover: colour, opacity: 1 },
        arrows: { to: { enabled: true, scaleFactor: 0.6 } },
        font: { size: 11, color: "#5b6472", strokeWidth: 4, strokeColor: "#ffffff", align: "middle" } };
      baseE[e.id] = v;
      return v;
    });
    var nodes = new vis.DataSet(visNodes);
    var edges = new vis.DataSet(visEdges);
    var network = new vis.Network(container, { nodes: nodes, edges: edges }, {
      layout: { improvedLayout: false },  // positions come precomputed from kg site
      physics: false,
      edges: { smooth: { enabled: true, type: "cubicBezier", forceDirection: "horizontal", roundness: 0.45 } },
      interaction: { hover: true, tooltipDelay: 120, keyboard: false }
    });
    var api = { network: network, nodes: nodes, edges: edges, data: data };
    markReady(api);
    network.once("afterDrawing", function () { network.fit({ animation: false }); });

    var active = {};
    Array.prototype.forEach.call(document.querySelectorAll(".mech-filter"), function (box) { active[box.value] = box.checked; });
    var items = Array.prototype.slice.call(document.querySelectorAll("#cand-list .cand"));
    var selected = null;

    function visibleRoutes(i) {
      return data.candidates[i].routes.filter(function (r) { return active[r.mechanism] !== false; });
    }
    function apply(focus) {
      var onN = {}, onE = {}, focusN = null, focusE = null;
      data.candidates.forEach(function (c, i) {
        visibleRoutes(i).forEach(function (r) {
          r.nodes.forEach(function (id) { onN[id] = true; });
          r.edges.forEach(function (id) { onE[id] = true; });
        });
      });
      if (focus !== null) {
        focusN = {}; focusE = {};
        visibleRoutes(focus).forEach(function (r) {
          r.nodes.forEach(function (id) { focusN[id] = true; });
          r.edges.forEach(function (id) { focusE[id] = true; });
        });
      }
      nodes.update(data.nodes.map(function (n) {
        var dim = focusN && !focusN[n.id];
        var f = assign({}, base[n.id].font);
        if (dim) { f.color = "rgba(27,35,51,0.25)"; }
        return { id: n.id, hidden: !onN[n.id] && n.id !== data.region, opacity: dim ? 0.18 : 1, font: f };
      }));
      edges.update(data.edges.map(function (e) {
        var b = baseE[e.id];
        if (focusE && !focusE[e.id]) {
          return { id: e.id, hidden: !onE[e.id], width: 1, color: { color: "#d9dee7", highlight: "#d9dee7", hover: "#d9dee7", opacity: 0.6 },
            font: { size: 11, color: "rgba(0,0,0,0)", strokeWidth: 0 } };
        }
        var lab = crowded && !focusE ? "" : e.label;
        return { id: e.id, hidden: !onE[e.id], width: focusE ? 5 : b.width, color: b.color, font: b.font, label: lab };
      }));
      items.forEach(function (li) {
        var i = Number(li.getAttribute("data-index"));
        li.classList.toggle("filtered", visibleRoutes(i).length === 0);
      });
      api.visibleNodeCount = Object.keys(onN).length;
    }
    function markActive() {
      items.forEach(function (li) {
        var on = selected !== null && Number(li.getAttribute("data-index")) === selected;
        li.classList.toggle("active", on);
        li.setAttribute("aria-pressed", on ? "true" : "false");
      });
    }
    function select(i) { selected = (selected === i) ? null : i; markActive(); apply(selected); }
    items.forEach(function (li) {
      var i = Number(li.getAttribute("data-index"));
      li.addEventListener("mouseenter", function () { apply(i); });
      li.addEventListener("mouseleave", function () { apply(selected); });
      li.addEventListener("click", function (ev) {
        if (ev.target.closest("summary") || ev.target.closest("a") || ev.target.closest(".route")) { return; }
        select(i);
      });
      li.addEventListener("keydown", function (ev) {
        if (ev.target === li && (ev.key === "Enter" || ev.key === " ")) { ev.preventDefault(); select(i); }
      });
    });
    var byId = {};
    data.candidates.forEach(function (c, i) { byId[c.id] = i; });
    network.on("click", function (p) {
      if (p.nodes.length && byId[p.nodes[0]] !== undefined) {
        select(byId[p.nodes[0]]);
        if (selected !== null && items[selected]) { items[selected].scrollIntoView({ block: "nearest" }); }
      } else if (!p.nodes.length && !p.edges.length && selected !== null) { select(selected); }
    });
    Array.prototype.forEach.call(document.querySelectorAll(".mech-filter"), function (box) {
      box.addEventListener("change", function () { active[box.value] = box.checked; apply(selected); });
    });
    var reset = document.getElementById("reset");
    if (reset) {
      reset.addEventListener("click", function () {
        selected = null; markActive();
        Array.prototype.forEach.call(document.querySelectorAll(".mech-filter"), function (box) { box.checked = true; active[box.value] = true; });
        apply(null); network.fit();
      });
    }
    api.select = select;
    site.region = api;
    apply(null);
  }

  /* ------------------------------------------------------------------ explorer */
  function norm(s) { return String(s || "").toLowerCase().replace(/[\s_\-–—/,()]+/g, " ").trim(); }

  function explorer() {
    var data = readJSON("kg-explorer");
    var container = document.getElementById("explorer-net");
    if (!data || !container || typeof vis === "undefined") { return; }
    var byId = {};
    data.nodes.forEach(function (n) { byId[n.id] = n; });
    var base = {};
    var visNodes = data.nodes.map(function (n) {
      var isRegion = n.kind === "BodyRegion";
      var v = assign({ id: n.id, label: n.label, x: n.x, y: n.y, size: 11, margin: 8 }, nodeStyle(data.kinds, n, isRegion));
      v.font = assign({}, v.font); v.font.size = isRegion ? 15 : 13;
      base[n.id] = v;
      return v;
    });
    var baseE = {};
    var visEdges = data.edges.map(function (e) {
      var m = data.mechanisms[e.mechanism] || { colour: "#aab3c2" };
      var v = { id: e.id, from: e.from, to: e.to, width: e.mechanism === "relation" ? 1 : 1.6,
        dashes: e.negative ? [4, 4] : false,
        color: { color: m.colour, highlight: m.colour, hover: m.colour, opacity: e.mechanism === "relation" ? 0.55 : 0.8 },
        arrows: { to: { enabled: true, scaleFactor: 0.4 } } };
      baseE[e.id] = v;
      return v;
    });
    var nodes = new vis.DataSet(visNodes);
    var edges = new vis.DataSet(visEdges);
    var network = new vis.Network(container, { nodes: nodes, edges: edges }, {
      physics: false,
      layout: { improvedLayout: false, randomSeed: 1 },
      nodes: { fixed: { x: false, y: false } },
      edges: { smooth: { enabled: true, type: "cubicBezier", forceDirection: "horizontal", roundness: 0.4 } },
      interaction: { hover: true, tooltipDelay: 150, hideEdgesOnDrag: true, keyboard: false, multiselect: false }
    });
    var api = { network: network, nodes: nodes, edges: edges, data: data };
    markReady(api);
    network.once("afterDrawing", function () { network.fit({ animation: false }); });
    network.on("beforeDrawing", function (ctx) {
      ctx.save();
      ctx.font = "600 22px system-ui, sans-serif";
      ctx.fillStyle = "#6b7485";
      ctx.textAlign = "center";
      (data.headings || []).forEach(function (h) { ctx.fillText(h.title.toUpperCase(), h.x, h.y); });
      ctx.restore();
    });

    var kindOn = {}, mechOn = {};
    Array.prototype.forEach.call(document.querySelectorAll(".kind-filter"), function (b) { kindOn[b.value] = b.checked; });
    Array.prototype.forEach.call(document.querySelectorAll(".mech-filter"), function (b) { mechOn[b.value] = b.checked; });
    var focus = null;
    var info = document.getElementById("info");
    var countEl = document.getElementById("ex-count");

    function neighbours(id) {
      var out = [];
      data.edges.forEach(function (e) {
        if (e.from === id) { out.push({ other: e.to, label: e.label, dir: "\u2192" }); }
        else if (e.to === id) { out.push({ other: e.from, label: e.label, dir: "\u2190" }); }
      });
      return out;
    }
    function apply() {
      var near = null;
      if (focus) {
        near = {}; near[focus] = true;
        neighbours(focus).forEach(function (x) { near[x.other] = true; });
      }
      var shown = 0;
      nodes.update(data.nodes.map(function (n) {
        var hidden = kindOn[n.kind] === false && n.id !== focus;
        if (!hidden) { shown += 1; }
        var dim = near && !near[n.id];
        var f = assign({}, base[n.id].font);
        if (dim) { f.color = "rgba(27,35,51,0.22)"; }
        return { id: n.id, hidden: hidden, opacity: dim ? 0.15 : 1, font: f };
      }));
      edges.update(data.edges.map(function (e) {
        var hidden = mechOn[e.mechanism] === false || (kindOn[byId[e.from].kind] === false && e.from !== focus) ||
          (kindOn[byId[e.to].kind] === false && e.to !== focus);
        var b = baseE[e.id];
        var lit = focus && (e.from === focus || e.to === focus);
        if (focus && !lit) {
          return { id: e.id, hidden: hidden, width: 1, color: { color: "#e3e7ee", highlight: "#e3e7ee", hover: "#e3e7ee", opacity: 0.5 } };
        }
        return { id: e.id, hidden: hidden, width: lit ? 3 : b.width, color: b.color };
      }));
      if (countEl) { countEl.textContent = shown + " of " + data.nodes.length + " nodes shown"; }
    }
    function showInfo(id) {
      info.textContent = "";
      if (!id) {
        info.appendChild(el("p", "hint", "Click a node to light up its neighbourhood; double-click to open its page."));
        return;
      }
      var n = byId[id];
      info.appendChild(el("p", "eyebrow dark", n.kind_label));
      info.appendChild(el("h3", "info-title", n.label));
      info.appendChild(el("p", "info-id", n.id));
      if (n.definition) {
        info.appendChild(el("p", "info-def", n.definition.length > 320 ? n.definition.slice(0, 317) + "\u2026" : n.definition));
      }
      if (n.synonyms && n.synonyms.length) { info.appendChild(el("p", "info-syn", "Also called: " + n.synonyms.join(", "))); }
      if (n.href) {
        var a = el("a", "button button-primary", "Open its page \u2192");
        a.setAttribute("href", n.href);
        info.appendChild(a);
      }
      var list = neighbours(id);
      if (list.length) {
        info.appendChild(el("p", "filter-title", "Linked to (" + list.length + ")"));
        var ul = el("ul", "nb-list");
        list.forEach(function (x) {
          var li = el("li");
          var b = el("button", "nb", null);
          b.type = "button";
          b.appendChild(el("span", "nb-rel", x.dir + " " + x.label));
          b.appendChild(el("span", "nb-name", byId[x.other].label));
          b.addEventListener("click", function () { select(x.other, true); });
          li.appendChild(b);
          ul.appendChild(li);
        });
        info.appendChild(ul);
      }
    }
    function select(id, move) {
      focus = id || null;
      apply();
      showInfo(focus);
      if (focus) {
        network.selectNodes([focus]);
        if (move) { network.focus(focus, { scale: Math.max(network.getScale(), 0.9), animation: { duration: 300 } }); }
      } else { network.unselectAll(); }
    }
    network.on("click", function (p) { select(p.nodes.length ? p.nodes[0] : null, false); });
    network.on("doubleClick", function (p) {
      if (p.nodes.length && byId[p.nodes[0]].href) { window.location.href = byId[p.nodes[0]].href; }
    });
    Array.prototype.forEach.call(document.querySelectorAll(".kind-filter"), function (b) {
      b.addEventListener("change", function () { kindOn[b.value] = b.checked; apply(); });
    });
    Array.prototype.forEach.call(document.querySelectorAll(".mech-filter"), function (b) {
      b.addEventListener("change", function () { mechOn[b.value] = b.checked; apply(); });
    });
    document.getElementById("ex-clear").addEventListener("click", function () { select(null); });
    document.getElementById("ex-fit").addEventListener("click", function () { network.fit({ animation: { duration: 300 } }); });

    var search = document.getElementById("search");
    var results = document.getElementById("search-results");
    var index = data.nodes.map(function (n) {
      return { id: n.id, label: norm(n.label), names: [norm(n.label), norm(n.id)].concat((n.synonyms || []).map(norm)) };
    });
    function find(q) {
      q = norm(q);
      if (!q) { return []; }
      var hits = [];
      index.forEach(function (it) {
        var best = 9;
        it.names.forEach(function (name, i) {
          var pos = name.indexOf(q);
          if (pos === -1) { return; }
          var rank = 2 * (name === q ? 0 : pos === 0 ? 1 : 2) + (i === 0 ? 0 : 1);
          if (rank < best) { best = rank; }
        });
        if (best < 9) { hits.push({ id: it.id, rank: best }); }
      });
      hits.sort(function (a, b) { return a.rank - b.rank || byId[a.id].label.localeCompare(byId[b.id].label); });
      return hits.slice(0, 12).map(function (h) { return h.id; });
    }
    function renderResults() {
      results.textContent = "";
      var ids = find(search.value);
      if (search.value && !ids.length) { results.appendChild(el("li", "muted", "No match")); }
      ids.forEach(function (id) {
        var li = el("li");
        var b = el("button", "result");
        b.type = "button";
        b.setAttribute("data-id", id);
        b.appendChild(el("span", "nb-name", byId[id].label));
        b.appendChild(el("span", "nb-rel", byId[id].kind_label));
        b.addEventListener("click", function () { select(id, true); });
        li.appendChild(b);
        results.appendChild(li);
      });
      api.lastResults = ids;
    }
    search.addEventListener("input", renderResults);
    search.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") { var ids = find(search.value); if (ids.length) { select(ids[0], true); } }
    });
    api.select = select;
    api.find = find;
    site.explorer = api;
  }

  /* ------------------------------------------------------------------ quiz */
  /* The page holds the whole bank; each visit shows a fresh random set of data-draw questions
     and "More questions" reveals unseen ones until the bank is exhausted. */
  function quiz() {
    var root = document.getElementById("quiz");
    var qs = Array.prototype.slice.call(document.querySelectorAll(".question"));
    if (!root || !qs.length) { return; }
    var draw = Math.max(1, parseInt(root.getAttribute("data-draw"), 10) || qs.length);
    var right = 0, done = 0, order = [], shown = 0;
    var rightEl = document.getElementById("score-right"), doneEl = document.getElementById("score-done");
    var shownEl = document.getElementById("q-shown"), more = document.getElementById("quiz-more");
    var note = document.getElementById("more-note"), list = document.getElementById("question-list");
    function update() {
      rightEl.textContent = String(right); doneEl.textContent = String(done);
      shownEl.textContent = String(shown);
      if (more) {
        more.disabled = shown >= qs.length;
        note.textContent = shown >= qs.length ? "All " + qs.length + " questions in the bank are shown." :
          (qs.length - shown) + " more in the bank.";
      }
    }
    function reveal(n) {
      var stop = Math.min(order.length, shown + n);
      for (var i = shown; i < stop; i += 1) {
        var q = order[i];
        q.hidden = false;
        q.querySelector(".q-number").textContent = String(i + 1);
      }
      shown = stop;
      update();
    }
    function clear(q) {
      q.classList.remove("answered", "is-correct", "is-wrong");
      q.querySelector(".feedback").hidden = true;
      Array.prototype.forEach.call(q.querySelectorAll(".option"), function (o) {
        o.disabled = false; o.classList.remove("correct", "wrong", "chosen");
      });
    }
    function fresh() {
      order = qs.slice();
      for (var i = order.length - 1; i > 0; i -= 1) {  /* Fisher-Yates with Math.random */
        var j = Math.floor(Math.random() * (i + 1)), t = order[i];
        order[i] = order[j]; order[j] = t;
      }
      qs.forEach(function (q) { q.hidden = true; clear(q); });
      order.forEach(function (q) { list.appendChild(q); });  /* page order = drawing order */
      shown = 0; right = 0; done = 0;
      reveal(draw);
    }
    qs.forEach(function (q) {
      var answer = q.getAttribute("data-answer");
      var buttons = Array.prototype.slice.call(q.querySelectorAll(".option"));
      var feedback = q.querySelector(".feedback");
      var verdict = q.querySelector(".verdict");
      buttons.forEach(function (b) {
        b.addEventListener("click", function () {
          if (q.classList.contains("answered")) { return; }
          var ok = b.getAttribute("data-option") === answer;
          q.classList.add("answered", ok ? "is-correct" : "is-wrong");
          buttons.forEach(function (o) {
            o.disabled = true;
            if (o.getAttribute("data-option") === answer) { o.classList.add("correct"); }
          });
          if (!ok) { b.classList.add("wrong"); }
          b.classList.add("chosen");
          var good = buttons.filter(function (o) { return o.getAttribute("data-option") === answer; })[0];
          verdict.textContent = ok ? "Correct." : "Not quite: the answer is " +
            good.querySelector(".letter").textContent + ") " + good.querySelector(".option-label").textContent + ".";
          feedback.hidden = false;
          done += 1; if (ok) { right += 1; }
          update();
        });
      });
    });
    document.getElementById("quiz-reset").addEventListener("click", function () {
      fresh();
      window.scrollTo(0, 0);
    });
    if (more) { more.addEventListener("click", function () { reveal(draw); }); }
    fresh();
    site.quiz = {
      score: function () { return { right: right, done: done }; },
      shown: function () { return order.slice(0, shown).map(function (q) { return q.id; }); },
      total: qs.length,
      more: function () { reveal(draw); }
    };
  }

  bodyMap();
  regionPage();
  explorer();
  quiz();
})();
