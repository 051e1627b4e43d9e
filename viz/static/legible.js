/* Fit a route network so every label stays legible and every node inside its frame.
 * Shared by the trace and differential pages and the atlas's region pages: the frame is sized
 * to the height the drawn nodes need at a legible scale (labelPx x scale >= minPx on screen),
 * then the nodes are fitted into it. On a phone the frame keeps its size and the reader pans. */
(function () {
  "use strict";
  window.kgLegible = function (network, container, ids, labelPx, minPx) {
    var need = minPx / labelPx;
    function fitIds() { network.fit({ nodes: ids, animation: false, maxZoomLevel: 1.2 }); }
    fitIds();
    if (container.clientWidth >= 640) {
      var pos = network.getPositions(ids);
      var ys = Object.keys(pos).map(function (k) { return pos[k].y; });
      var extent = ys.length ? Math.max.apply(null, ys) - Math.min.apply(null, ys) : 0;
      var scale = Math.min(1.2, Math.max(network.getScale(), need));
      var h = Math.max(420, Math.min(3200, Math.ceil(extent * scale + 170)));
      if (Math.abs(h - container.clientHeight) > 24) {
        container.style.height = h + "px";
        network.setSize("100%", h + "px");
        network.redraw();
        fitIds();
      }
    } else if (network.getScale() < need) {
      network.moveTo({ scale: need, position: network.getViewPosition(), animation: false });
    }
    container.dataset.labelPx = String(Math.round(labelPx * network.getScale() * 10) / 10);
  };
})();
