/* The compare page: the newer model drawn, with added and changed elements marked. */
(function () {
  "use strict";
  var box = document.getElementById("diff-canvas");
  var viewer = new window.BpmnJS({ container: box });
  fetch(box.dataset.source, { credentials: "same-origin" })
    .then(function (r) { return r.text(); })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      var canvas = viewer.get("canvas");
      var registry = viewer.get("elementRegistry");
      canvas.zoom("fit-viewport");
      document.querySelectorAll("#diff-lines li").forEach(function (li) {
        var id = li.dataset.element;
        var change = li.className.replace("diff-", "");
        if (change !== "removed" && registry.get(id)) { canvas.addMarker(id, "diff-" + change); }
      });
      document.body.dataset.studioReady = "1";
    });
})();
