/* Lines that stay readable when the studio moves shapes: a sequence flow whose line now runs
   through another shape, or whose end no longer touches its shape, is drawn again.
     new BpmnJS({ additionalModules: [window.StudioRoutingModule] }).get("studioRouting")
       .tidy(connections)   // inside a command, so one Ctrl+Z undoes it with the move

   What counts as "through a shape" or "detached" is what lint measures on the saved file
   (bpmn/geometry_edges.py), and the lines tried are the server-side router's (bpmn/routing.py):
   bpmn-js's own right-angled layout first, as a designer drawing the flow would get, then
   lines turning in the gaps between columns or along free rows between shapes, the shortest
   clean one winning (each bend costs BEND pixels). A line that was already clean is left as the
   designer drew it. A vertical pool is routed as a horizontal one with x and y swapped. */
(function () {
  "use strict";
  var GRAZE = 3; // how deep into a shape a line must go to cross it
  var GAP = 20; // between a line turning beside a shape and that shape
  var BEND = 40; // a bend costs as much as this many pixels of line
  var NEAREST = 3; // turning gaps tried on each side, nearest first
  var NEAR = 10; // an end this far outside its shape's box still touches it
  var INSIDE = 15; // and this far inside (a circle or a diamond lies inside its box)
  var MARGIN = 100; // room for corridors around a diagram without a pool
  var CLEAR = 10; // a new line keeps this far off other shapes (lint lets one graze them)
  /* shapes a line may pass over: drawn around others, or beside the flow */
  var NOT_OBSTACLES = ["bpmn:Participant", "bpmn:Lane", "bpmn:Group", "bpmn:TextAnnotation",
    "bpmn:DataObjectReference", "bpmn:DataStoreReference", "bpmn:DataInput", "bpmn:DataOutput"];

  function is(element, type) {
    var bo = element && element.businessObject;
    return !!bo && typeof bo.$instanceOf === "function" && bo.$instanceOf(type);
  }
  function isAny(element, types) {
    return types.some(function (t) { return is(element, t); });
  }
  function rootOf(element) {
    var e = element;
    while (e.parent) { e = e.parent; }
    return e;
  }

  /* Whether segment a–b runs through the box's inside (its border less GRAZE): Liang–Barsky. */
  function crosses(a, b, box) {
    var left = box.x + GRAZE, top = box.y + GRAZE;
    var right = box.x + box.width - GRAZE, bottom = box.y + box.height - GRAZE;
    if (left >= right || top >= bottom) { return false; }
    var dx = b.x - a.x, dy = b.y - a.y, low = 0, high = 1;
    var edges = [[-dx, a.x - left], [dx, right - a.x], [-dy, a.y - top], [dy, bottom - a.y]];
    for (var i = 0; i < edges.length; i++) {
      var p = edges[i][0], q = edges[i][1];
      if (p === 0) {
        if (q <= 0) { return false; }
        continue;
      }
      var t = q / p;
      if (p < 0) { low = Math.max(low, t); } else { high = Math.min(high, t); }
      if (low >= high) { return false; }
    }
    return true;
  }
  function crossings(points, obstacles) {
    var n = 0;
    for (var i = 1; i < points.length; i++) {
      for (var j = 0; j < obstacles.length; j++) {
        if (crosses(points[i - 1], points[i], obstacles[j])) { n++; }
      }
    }
    return n;
  }
  /* Whether a line's end lies on the shape's outline, give or take a few pixels. */
  function attached(point, box) {
    var right = box.x + box.width, bottom = box.y + box.height;
    var ox = Math.max(box.x - point.x, 0, point.x - right);
    var oy = Math.max(box.y - point.y, 0, point.y - bottom);
    if (ox || oy) { return Math.sqrt(ox * ox + oy * oy) <= NEAR; }
    return Math.min(point.x - box.x, right - point.x, point.y - box.y, bottom - point.y) <= INSIDE;
  }

  /* The line without repeated points or points midway along a straight run. */
  function straight(points) {
    var kept = [];
    points.forEach(function (p) {
      var last = kept[kept.length - 1], before = kept[kept.length - 2];
      if (last && p.x === last.x && p.y === last.y) { return; }
      if (before && ((before.x === last.x && last.x === p.x) ||
                     (before.y === last.y && last.y === p.y))) {
        kept[kept.length - 1] = p;
        return;
      }
      kept.push(p);
    });
    return kept;
  }
  function cost(points) {
    var length = 0;
    for (var i = 1; i < points.length; i++) {
      length += Math.abs(points[i].x - points[i - 1].x) + Math.abs(points[i].y - points[i - 1].y);
    }
    return length + BEND * (points.length - 2);
  }
  function pt(x, y) { return { x: x, y: y }; }
  function uniqueSorted(values) {
    return values.sort(function (a, b) { return a - b; })
      .filter(function (v, i, all) { return i === 0 || v !== all[i - 1]; });
  }

  /* Right-angled lines from a side of the source to a side of the target, up to four bends,
     the flow running left to right: leave by the right, top or bottom, enter by the left, top
     or bottom (bpmn/routing.py's `_options`). `floor`: the top and bottom corridors may use. */
  function options(source, target, obstacles, floor) {
    var sx = source.x + source.width / 2, sy = source.y + source.height / 2;
    var tx = target.x + target.width / 2, ty = target.y + target.height / 2;
    var right = source.x + source.width, left = target.x;
    var sTop = source.y, sBottom = source.y + source.height;
    var tTop = target.y, tBottom = target.y + target.height;
    var columns = [right + GAP, left - GAP];
    var rows = [floor[0] + GAP / 2, floor[1] - GAP / 2];
    obstacles.forEach(function (o) {
      columns.push(o.x - GAP, o.x + o.width + GAP);
      rows.push(o.y - GAP, o.y + o.height + GAP);
    });
    columns = uniqueSorted(columns);
    var after = columns.filter(function (c) { return c > right; }).slice(0, NEAREST);
    var before = columns.filter(function (c) { return c < left; }).slice(-NEAREST);
    rows = uniqueSorted(rows).filter(function (r) { return floor[0] < r && r < floor[1]; });
    function leave(y) { return y < sTop ? pt(sx, sTop) : y > sBottom ? pt(sx, sBottom) : null; }
    function enter(y) { return y < tTop ? pt(tx, tTop) : y > tBottom ? pt(tx, tBottom) : null; }

    var found = [];
    after.forEach(function (c) {
      if (c < left) { found.push([pt(right, sy), pt(c, sy), pt(c, ty), pt(left, ty)]); }
    });
    if (tx > right && enter(sy)) { found.push([pt(right, sy), pt(tx, sy), enter(sy)]); }
    if (left > sx && leave(ty)) { found.push([leave(ty), pt(sx, ty), pt(left, ty)]); }
    rows.forEach(function (y) {
      var out = leave(y), into = enter(y);
      if (out && into) { found.push([out, pt(sx, y), pt(tx, y), into]); }
      before.forEach(function (c) {
        if (out && c > sx) { found.push([out, pt(sx, y), pt(c, y), pt(c, ty), pt(left, ty)]); }
      });
      after.forEach(function (c) {
        if (into && c < tx) { found.push([pt(right, sy), pt(c, sy), pt(c, y), pt(tx, y), into]); }
      });
      after.forEach(function (c1) {
        before.forEach(function (c2) {
          found.push([pt(right, sy), pt(c1, sy), pt(c1, y), pt(c2, y), pt(c2, ty), pt(left, ty)]);
        });
      });
    });
    return found.map(straight);
  }

  function swapBox(b) { return { x: b.y, y: b.x, width: b.height, height: b.width }; }
  function swapPoint(p) { return pt(p.y, p.x); }
  function grow(b, by) {
    return { x: b.x - by, y: b.y - by, width: b.width + 2 * by, height: b.height + 2 * by };
  }
  function box(shape) {
    return { x: shape.x, y: shape.y, width: shape.width, height: shape.height };
  }

  function StudioRouting(elementRegistry, layouter, connectionDocking, modeling) {
    this._registry = elementRegistry;
    this._layouter = layouter;
    this._docking = connectionDocking;
    this._modeling = modeling;
  }
  StudioRouting.$inject = ["elementRegistry", "layouter", "connectionDocking", "modeling"];

  /* Shapes the flow's line may cross, as lint excuses them: its ends, the subprocesses it lies
     in, and its ends' boundary events and hosts. `strict` excuses only the first two, so a
     line tried first keeps off a boundary event's host too. */
  StudioRouting.prototype._excused = function (connection, strict) {
    var excused = [connection.source, connection.target];
    for (var bo = connection.businessObject.$parent; bo; bo = bo.$parent) {
      if (bo.$instanceOf("bpmn:SubProcess")) { excused.push(this._registry.get(bo.id)); }
    }
    if (strict) { return excused; }
    var ends = [connection.source, connection.target];
    ends.forEach(function (node) {
      if (node.host) { excused.push(node.host); }
      (node.attachers || []).forEach(function (a) { excused.push(a); });
    });
    return excused;
  };

  /* The boxes a flow's line may not pass through, in the flow's own diagram. */
  StudioRouting.prototype._obstacles = function (connection, strict) {
    var root = rootOf(connection), excused = this._excused(connection, strict);
    return this._registry.filter(function (e) {
      return !e.waypoints && e.type !== "label" && e.parent && e.businessObject &&
        excused.indexOf(e) < 0 && !isAny(e, NOT_OBSTACLES) && rootOf(e) === root;
    }).map(box);
  };

  /* Whether lint would warn about the flow's line: too short, an end loose, a shape crossed. */
  StudioRouting.prototype.isBroken = function (connection) {
    var points = connection.waypoints || [];
    if (points.length < 2) { return true; }
    if (!attached(points[0], connection.source) ||
        !attached(points[points.length - 1], connection.target)) { return true; }
    return crossings(points, this._obstacles(connection, false)) > 0;
  };

  /* The flow's best clean line, or the one crossing fewest shapes when none is clean. */
  StudioRouting.prototype.route = function (connection) {
    var source = connection.source, target = connection.target;
    var fresh = this._layouter.layoutConnection(connection, { waypoints: [] });
    var layouted = this._docking.getCroppedWaypoints(
      { waypoints: fresh, source: source, target: target }, source, target);
    var candidates = [layouted.map(function (p) { return pt(p.x, p.y); })];
    var vertical = this._vertical(source);
    var s = box(source), t = box(target), floor = this._floor(connection);
    // tried in turn: clear of every shape but its ends, then of those lint does not excuse,
    // then merely not through them
    var levels = [[true, CLEAR], [false, CLEAR], [false, 0]].map(function (level) {
      return this._obstacles(connection, level[0]).map(function (b) { return grow(b, level[1]); });
    }, this);
    if (vertical) {
      s = swapBox(s);
      t = swapBox(t);
      floor = swapBox(floor);
      levels = levels.map(function (boxes) { return boxes.map(swapBox); });
    }
    var around = levels[2];
    var detours = options(s, t, around, [floor.y, floor.y + floor.height]);
    detours.sort(function (a, b) { return cost(a) - cost(b); });
    if (vertical) {
      detours = detours.map(function (line) { return line.map(swapPoint); });
      levels = levels.map(function (boxes) { return boxes.map(swapBox); });
    }
    candidates = candidates.concat(detours);
    for (var i = 0; i < levels.length; i++) {
      var obstacles = levels[i];
      var clean = candidates.filter(function (line) { return !crossings(line, obstacles); })[0];
      if (clean) { return clean; }
    }
    var loose = levels[levels.length - 1];
    return candidates.reduce(function (best, line) {
      return crossings(line, loose) < crossings(best, loose) ? line : best;
    });
  };

  /* A flow in a vertical pool runs top to bottom (bpmn-js's layouter reads the same flag). */
  StudioRouting.prototype._vertical = function (element) {
    for (var e = element; e; e = e.parent) {
      if (is(e, "bpmn:Participant")) { return !!e.di && e.di.isHorizontal === false; }
    }
    return false;
  };

  /* Where corridors may run: inside the flow's subprocess, else its pool, else around all. */
  StudioRouting.prototype._floor = function (connection) {
    var parent = connection.parent;
    for (var e = parent; e; e = e.parent) {
      if (is(e, "bpmn:SubProcess") || is(e, "bpmn:Participant")) { return box(e); }
    }
    var root = rootOf(connection), shapes = this._registry.filter(function (el) {
      return !el.waypoints && el.parent && rootOf(el) === root;
    });
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    shapes.forEach(function (el) {
      x0 = Math.min(x0, el.x);
      y0 = Math.min(y0, el.y);
      x1 = Math.max(x1, el.x + el.width);
      y1 = Math.max(y1, el.y + el.height);
    });
    return { x: x0 - MARGIN, y: y0 - MARGIN, width: x1 - x0 + 2 * MARGIN,
      height: y1 - y0 + 2 * MARGIN };
  };

  /* Draw again every sequence flow among `connections` whose line lint would warn about, and
     every one in `fresh` (new lines, or lines whose old bends belong to another end). */
  StudioRouting.prototype.tidy = function (connections, fresh) {
    var self = this;
    fresh = fresh || [];
    connections.forEach(function (connection) {
      if (is(connection, "bpmn:SequenceFlow") && connection.source && connection.target &&
          (fresh.indexOf(connection) >= 0 || self.isBroken(connection))) {
        self._modeling.updateWaypoints(connection, self.route(connection));
      }
    });
  };

  window.StudioRoutingModule = {
    __init__: ["studioRouting"],
    studioRouting: ["type", StudioRouting]
  };
})();
