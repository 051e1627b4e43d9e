/* Trace page behaviour: draw the route network, DOM-text tooltips, candidate highlighting.
 * All data arrives as JSON in #kg-data and is only ever inserted as text nodes. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("kg-data").textContent);
  var container = document.getElementById("network");

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  function mechChip(key) {
    var m = data.mechanisms[key] || data.mechanisms.other;
    var chip = el("span", "chip mech-" + key, m.label);
    return chip;
  }

  function sourcesList(sources) {
    var ul = el("ul", "tip-sources");
    sources.forEach(function (s) { ul.appendChild(el("li", null, s.citation || s.id)); });
    return ul;
  }

  function edgeTooltip(id) {
    var info = data.edgeInfo[id];
    var box = el("div");
    var from = data.nodeInfo[info.from], to = data.nodeInfo[info.to];
    box.appendChild(el("div", "tip-title", from.label + " \u2192 " + info.label + " \u2192 " + to.label));
    var mech = el("div", "tip-mech");
    mech.appendChild(mechChip(info.mechanism));
    box.appendChild(mech);
    if (info.frequency_text) {
      box.appendChild(el("div", "tip-freq", "Frequency: " + info.frequency_text));
    } else if (info.frequency !== null && info.frequency !== undefined) {
      box.appendChild(el("div", "tip-freq", "Frequency: " + Math.round(info.frequency * 1000) / 10 + "%"));
    }
    (info.populations || []).forEach(function (p) {
      box.appendChild(el("div", "tip-freq", "Measured in: " + p));
    });
    if (info.grades && info.grades.length) {
      box.appendChild(el("div", "tip-freq", "Evidence grade: " + info.grades.join(", ")));
    }
    info.routes.slice(0, 3).forEach(function (r) { box.appendChild(el("p", "tip-route", r)); });
    if (info.routes.length > 3) {
      box.appendChild(el("p", "tip-kind", "\u2026 and " + (info.routes.length - 3) + " more routes"));
    }
    if (info.sources.length) { box.appendChild(sourcesList(info.sources)); }
    return box;
  }

  function nodeTooltip(id) {
    var info = data.nodeInfo[id];
    var box = el("div");
    box.appendChild(el("div", "tip-title", info.label));
    box.appendChild(el("div", "tip-kind", info.kind + " \u00b7 " + id));
    if (info.rank) { box.appendChild(el("div", "tip-freq", "Candidate #" + info.rank)); }
    if (info.target) {
      box.appendChild(el("div", "tip-freq", data.direction === "forward" ? "Where the pain starts" : "Where the pain is felt"));
    }
    return box;
  }

  var baseNodes = {}, baseEdges = {};
  data.nodes.forEach(function (n) { n.title = nodeTooltip(n.id); baseNodes[n.id] = n; });
  data.edges.forEach(function (e) {
    e.title = edgeTooltip(e.id);
    e.font = { size: 11, color: "#5b6472", strokeWidth: 4, strokeColor: "#ffffff", align: "middle" };
    baseEdges[e.id] = e;
  });

  // Edge labels help on small graphs; on big ones they only appear on a highlighted route.
  var showLabels = data.edges.length <= 18;
  var hiddenFont = { size: 11, color: "rgba(0,0,0,0)", strokeWidth: 0 };
  if (!showLabels) {
    data.edges.forEach(function (e) { e.font = hiddenFont; });
  }
  var narrow = container.clientWidth < 640;
  // Legible by default: the diagram opens on the routes of the leading candidates only, with
  // labels of LABEL_PX and never scaled below MIN_LABEL_PX on screen; "Show all routes" draws
  // the rest. Every label is the same size, so the check is one number.
  var TOP = 8, LABEL_PX = 16, MIN_LABEL_PX = 12;
  data.nodes.forEach(function (n) {
    n.font = Object.assign({}, n.font || {}, { size: LABEL_PX });
    if (n.shape === "box") { n.margin = 7; }
  });
  var leading = {}, leadingEdges = {};
  data.candidates.slice(0, TOP).forEach(function (c) {
    c.nodes.forEach(function (id) { leading[id] = true; });
    c.edges.forEach(function (id) { leadingEdges[id] = true; });
  });
  var showingAll = data.candidates.length <= TOP;
  data.nodes.forEach(function (n) { n.hidden = !showingAll && !leading[n.id]; });
  data.edges.forEach(function (e) { e.hidden = !showingAll && !leadingEdges[e.id]; });

  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  var options = {
    layout: {
      hierarchical: {
        enabled: true, direction: "LR", sortMethod: "directed",
        shakeTowards: "leaves",
        levelSeparation: narrow ? 190 : 220, nodeSpacing: 84, treeSpacing: 90,
        blockShifting: true, edgeMinimization: true, parentCentralization: true
      }
    },
    physics: false,
    nodes: { borderWidth: 2, shadow: false, margin: 10, font: { face: "system-ui, sans-serif" } },
    edges: {
      smooth: { enabled: true, type: "cubicBezier", forceDirection: "horizontal", roundness: 0.45 },
      selectionWidth: 1.5, hoverWidth: 1
    },
    interaction: { hover: true, tooltipDelay: 120, navigationButtons: false, keyboard: false, multiselect: false }
  };
  if (narrow) {
    var hint = document.querySelector(".network-hint");
    if (hint) { hint.textContent = "Arrows follow the pain, from where it starts to where it is felt. Drag to pan, pinch to zoom, tap a step for its sources."; }
  }
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, options);
  function visibleIds() {
    return nodes.get({ filter: function (n) { return !n.hidden; } }).map(function (n) { return n.id; });
  }
  function fit() { window.kgLegible(network, container, visibleIds(), LABEL_PX, MIN_LABEL_PX); }
  network.once("afterDrawing", fit);

  var count = document.getElementById("route-count");
  var allCount = count ? count.textContent : "";
  function countShown() {
    if (!count) { return; }
    count.textContent = showingAll ? allCount : "the " + Math.min(TOP, data.candidates.length) +
      " leading candidates of " + data.candidates.length + " \u00b7 " + allCount;
  }
  countShown();

  function showAll(on) {
    showingAll = on;
    nodes.update(Object.keys(baseNodes).map(function (id) {
      return { id: id, hidden: !on && !leading[id] };
    }));
    edges.update(Object.keys(baseEdges).map(function (id) {
      return { id: id, hidden: !on && !leadingEdges[id] };
    }));
    var more = document.getElementById("reset");
    if (more) { more.textContent = on ? "Show the leading routes" : "Show all routes"; }
    countShown();
    fit();
  }

  var selected = null;
  var items = Array.prototype.slice.call(document.querySelectorAll("#cand-list .cand"));

  function restoreAll() {
    nodes.update(Object.keys(baseNodes).map(function (id) {
      return { id: id, opacity: 1, font: baseNodes[id].font };
    }));
    edges.update(Object.keys(baseEdges).map(function (id) {
      var b = baseEdges[id];
      return { id: id, color: b.color, width: b.width, font: b.font };
    }));
  }

  function highlight(index) {
    if (index === null) { restoreAll(); return; }
    var c = data.candidates[index];
    if (!showingAll && index >= TOP) { showAll(true); }
    var onE = {}, onN = {};
    c.edges.forEach(function (id) { onE[id] = true; });
    c.nodes.forEach(function (id) { onN[id] = true; });
    nodes.update(Object.keys(baseNodes).map(function (id) {
      if (onN[id]) { return { id: id, opacity: 1, font: baseNodes[id].font }; }
      var f = Object.assign({}, baseNodes[id].font || {}, { color: "rgba(27,35,51,0.25)" });
      return { id: id, opacity: 0.18, font: f };
    }));
    edges.update(Object.keys(baseEdges).map(function (id) {
      var b = baseEdges[id];
      if (onE[id]) {
        return { id: id, color: b.color, width: 5, font: { size: 12, color: "#1b2333", strokeWidth: 4, strokeColor: "#ffffff", align: "middle" } };
      }
      return { id: id, color: { color: "#d9dee7", highlight: "#d9dee7", hover: "#d9dee7", opacity: 0.6 }, width: 1, font: hiddenFont };
    }));
  }

  function markActive() {
    items.forEach(function (li) {
      var on = selected !== null && Number(li.dataset.index) === selected;
      li.classList.toggle("active", on);
      li.setAttribute("aria-pressed", on ? "true" : "false");
    });
  }

  function select(index) {
    selected = (selected === index) ? null : index;
    markActive();
    highlight(selected);
  }

  items.forEach(function (li) {
    var index = Number(li.dataset.index);
    li.addEventListener("mouseenter", function () { highlight(index); });
    li.addEventListener("mouseleave", function () { highlight(selected); });
    li.addEventListener("click", function (ev) {
      if (ev.target.closest("summary")) { return; }
      select(index);
    });
    li.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); select(index); }
    });
  });

  var byId = {};
  data.candidates.forEach(function (c, i) { byId[c.id] = i; });
  network.on("click", function (params) {
    if (params.nodes.length && byId[params.nodes[0]] !== undefined) {
      var i = byId[params.nodes[0]];
      select(i);
      if (selected !== null && items[i]) { items[i].scrollIntoView({ block: "nearest", behavior: "smooth" }); }
    } else if (!params.nodes.length && !params.edges.length && selected !== null) {
      select(selected);
    }
  });

  // Links elsewhere on the page (the red-flag banner) that show one candidate's routes.
  Array.prototype.forEach.call(document.querySelectorAll("[data-select-candidate]"), function (b) {
    b.addEventListener("click", function () {
      var i = Number(b.getAttribute("data-select-candidate"));
      if (selected !== i) { select(i); }
      if (items[i]) { items[i].scrollIntoView({ block: "nearest" }); }
      container.scrollIntoView({ block: "nearest" });
    });
  });

  var reset = document.getElementById("reset");
  if (reset) {
    if (data.candidates.length <= TOP) {
      reset.textContent = "Show all routes";
    }
    reset.addEventListener("click", function () {
      selected = null; markActive(); highlight(null);
      showAll(data.candidates.length <= TOP ? true : !showingAll);
    });
  }

  window.kgTrace = { network: network, nodes: nodes, edges: edges, select: select, data: data };
})();
