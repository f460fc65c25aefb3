/* "Chèn bước cán bộ": put a user task on a sequence flow and make room for it, as one command
   (one Ctrl+Z undoes it all). A bpmn-js module, so the studio and its tests use the same code:
     new BpmnJS({ additionalModules: [window.StudioInsertModule] }).get("studioInsert")
       .insertStep(elementOrFlow)

   Room is made with bpmn-js's own space tool (modeling.createSpace): everything after a cut
   line moves along the flow's axis, and the pool, lanes and subprocesses the line crosses
   stretch, with flows and labels following. Two things it does not do on its own, done here:
   - the cut is pushed past any shape it would slice through in the new step's row (a shape
     that can neither move nor stretch would otherwise sit under the new step);
   - the space tool recomputes the lanes of every node it moves from the node's lanes root,
     which for a node inside an expanded subprocess is the subprocess (no lanes), so those
     nodes would lose their lane — and with it their role, since the engine assigns a user
     task by its lane's flowNodeRef. Nodes only move along the flow, never across lanes, so
     every lane keeps the flowNodeRefs it had, and the new step joins its source's lanes.
   Moving shapes bends the lines around them without looking where they go, so a line may end
   up through the new step or a moved shape: every flow line the insert left broken is drawn
   again (studio_routing.js, loaded first); a line already broken before is the designer's. */
(function () {
  "use strict";
  var GAP = 30; // free space before and after the new step, along the flow
  var TASK = { width: 100, height: 80 }; // bpmn-js's task size
  var PAD = 10; // keep the new step this far inside its lane or subprocess
  var EPSILON = 0.01;

  function is(element, type) {
    var bo = element && element.businessObject;
    return !!bo && typeof bo.$instanceOf === "function" && bo.$instanceOf(type);
  }
  function isConnection(element) { return !!element.waypoints; }

  /* The axis the flow runs along: a pool's lanes are rows (x) or, in a vertical pool, columns. */
  function axesOf(root) {
    var vertical = is(root, "bpmn:Participant") && root.di && root.di.isHorizontal === false;
    return vertical
      ? { main: "y", size: "height", cross: "x", crossSize: "width", direction: "s" }
      : { main: "x", size: "width", cross: "y", crossSize: "height", direction: "e" };
  }
  function lo(shape, ax) { return shape[ax.main]; }
  function hi(shape, ax) { return shape[ax.main] + shape[ax.size]; }

  function inside(point, box) {
    return box.x <= point.x && point.x <= box.x + box.width &&
      box.y <= point.y && point.y <= box.y + box.height;
  }
  function descendants(element, into) {
    (element.children || []).forEach(function (child) {
      into.push(child);
      descendants(child, into);
    });
    return into;
  }
  function ancestors(element) {
    var found = [];
    for (var e = element && element.parent; e; e = e.parent) { found.push(e); }
    return found;
  }
  /* The pool the source is in, else the diagram's root (a process without a pool). */
  function spaceRoot(source, canvas) {
    var pool = ancestors(source).filter(function (e) { return is(e, "bpmn:Participant"); })[0];
    return pool || canvas.getRootElement();
  }
  function leafLanes(root) {
    return descendants(root, []).filter(function (e) {
      return is(e, "bpmn:Lane") && !(e.children || []).some(function (c) { return is(c, "bpmn:Lane"); });
    });
  }

  function LaneRefsHandler() {}
  /* Set each lane's flowNodeRef (and the nodes' inverse `lanes`) to a recorded list. */
  function applyLaneRefs(entries) {
    entries.forEach(function (entry) {
      var refs = entry.lane.get("flowNodeRef");
      refs.forEach(function (node) {
        if (entry.refs.indexOf(node) < 0) {
          var lanes = node.get("lanes");
          if (lanes.indexOf(entry.lane) >= 0) { lanes.splice(lanes.indexOf(entry.lane), 1); }
        }
      });
      refs.splice.apply(refs, [0, refs.length].concat(entry.refs));
      entry.refs.forEach(function (node) {
        if (node.get("lanes").indexOf(entry.lane) < 0) { node.get("lanes").push(entry.lane); }
      });
    });
  }
  LaneRefsHandler.prototype.execute = function (context) {
    context.before = context.after.map(function (entry) {
      return { lane: entry.lane, refs: entry.lane.get("flowNodeRef").slice() };
    });
    applyLaneRefs(context.after);
    return [];
  };
  LaneRefsHandler.prototype.revert = function (context) {
    applyLaneRefs(context.before);
    return [];
  };

  function InsertStepHandler(modeling, spaceTool, canvas, elementRegistry, commandStack,
                             studioRouting) {
    this._modeling = modeling;
    this._routing = studioRouting;
    this._spaceTool = spaceTool;
    this._canvas = canvas;
    this._registry = elementRegistry;
    this._commandStack = commandStack;
  }
  InsertStepHandler.$inject = ["modeling", "spaceTool", "canvas", "elementRegistry", "commandStack",
    "studioRouting"];

  function sequenceFlows(registry) {
    return registry.filter(function (e) { return is(e, "bpmn:SequenceFlow"); });
  }
  function lineOf(connection) {
    return JSON.stringify((connection.waypoints || []).map(function (p) { return [p.x, p.y]; }));
  }

  InsertStepHandler.prototype.preExecute = function (context) {
    var flow = context.flow, source = flow.source, target = flow.target;
    var modeling = this._modeling;
    var lanes = this._registry.filter(function (e) { return is(e, "bpmn:Lane"); })
      .map(function (lane) {
        var bo = lane.businessObject;
        return { lane: bo, refs: bo.get("flowNodeRef").slice() };
      });
    var routing = this._routing, broken = {};
    sequenceFlows(this._registry).forEach(function (f) {
      if (routing.isBroken(f)) { broken[f.id] = lineOf(f); }
    });
    var root = spaceRoot(source, this._canvas);
    var parent = source.parent;
    var homes = homeLanes(source, root, lanes);
    var ax = axesOf(root);
    var size = TASK[ax.size], across = TASK[ax.crossSize];
    var centre = acrossCentre(source, homes, ax, across);
    var keep = [root].concat(ancestors(parent), [parent]);
    var cut = cutLine(source, root, ax, [centre - across / 2, centre + across / 2], keep);
    this._makeRoom(root, ax, cut, size + 2 * GAP, keep);

    var at = {};
    at[ax.main] = cut + GAP + size / 2;
    at[ax.cross] = centre;
    var shape = modeling.createShape({ type: "bpmn:UserTask" }, at, parent,
      { autoResize: false });
    var dock = { x: shape.x + shape.width / 2, y: shape.y + shape.height / 2 };
    dock[ax.main] = shape[ax.main];
    // The flow keeps its source: its id, name, condition and a gateway's default stay valid.
    modeling.reconnectEnd(flow, shape, dock);
    var onward = modeling.connect(shape, target, { type: "bpmn:SequenceFlow" });
    modeling.updateProperties(shape, { name: context.name || "Bước mới" });
    // the reconnected flow keeps bends drawn for its old end: both lines of the step are new
    routing.tidy(sequenceFlows(this._registry).filter(function (f) {
      return broken[f.id] !== lineOf(f);
    }), [flow, onward]);

    var joins = homes.map(function (lane) { return lane.businessObject; });
    lanes.forEach(function (entry) {
      if (joins.indexOf(entry.lane) >= 0) { entry.refs.push(shape.businessObject); }
    });
    this._commandStack.execute("lienthong.laneRefs", { after: lanes });
    context.shape = shape;
  };

  /* Move what lies after the cut by `delta` along the flow; stretch what the cut crosses. */
  InsertStepHandler.prototype._makeRoom = function (root, ax, cut, delta, keep) {
    var elements = [root].concat(descendants(root, []));
    var space = this._spaceTool.calculateAdjustments(elements, ax.main, delta, cut - EPSILON);
    space.resizingShapes = space.resizingShapes.filter(function (shape) {
      return hi(shape, ax) > cut + EPSILON || keep.indexOf(shape) >= 0;
    });
    var offset = { x: 0, y: 0 };
    offset[ax.main] = delta;
    this._modeling.createSpace(space.movingShapes, space.resizingShapes, offset, ax.direction,
      cut - EPSILON);
  };

  /* The lanes the new step joins: its source's (a boundary event's lane is named, not where
     it is drawn); for a source named in no lane, the lane it is drawn in — unless it is inside
     a subprocess, whose own lane its content takes. */
  function homeLanes(source, root, lanes) {
    var named = lanes.filter(function (entry) {
      return entry.refs.indexOf(source.businessObject) >= 0;
    }).map(function (entry) { return entry.lane; });
    var leaves = leafLanes(root);
    if (named.length) {
      return leaves.filter(function (lane) { return named.indexOf(lane.businessObject) >= 0; });
    }
    if (source.parent !== root) { return []; }
    var centre = { x: source.x + source.width / 2, y: source.y + source.height / 2 };
    return leaves.filter(function (lane) { return inside(centre, lane); }).slice(0, 1);
  }

  /* Centre the new step across the flow on its source, nudged inside its lane and subprocess
     when it would stick out of them. */
  function acrossCentre(source, homes, ax, across) {
    var c = ax.cross, dim = ax.crossSize;
    var mid = source[c] + source[dim] / 2;
    var min = -Infinity, max = Infinity;
    var boxes = homes.slice(0, 1);
    if (is(source.parent, "bpmn:SubProcess")) { boxes.push(source.parent); }
    boxes.forEach(function (box) {
      min = Math.max(min, box[c] + PAD);
      max = Math.min(max, box[c] + box[dim] - PAD);
    });
    if (max - min < across) { return mid; }
    return Math.min(Math.max(mid, min + across / 2), max - across / 2);
  }

  /* Where the room opens: just after the source, pushed past anything in the new step's row
     that the line would cut through and that is not a container the step goes into. */
  function cutLine(source, root, ax, band, keep) {
    var c = ax.cross, dim = ax.crossSize;
    var others = descendants(root, []).filter(function (e) {
      return !isConnection(e) && e !== source && keep.indexOf(e) < 0 &&
        !is(e, "bpmn:Lane") && !is(e, "bpmn:Group") &&
        e[c] < band[1] && e[c] + e[dim] > band[0];
    });
    var cut = hi(source, ax);
    for (;;) {
      var crossing = others.filter(function (e) {
        return lo(e, ax) < cut && hi(e, ax) > cut;
      });
      if (!crossing.length) { return cut; }
      cut = Math.max.apply(null, crossing.map(function (e) { return hi(e, ax); }));
    }
  }

  function StudioInsert(commandStack) {
    commandStack.registerHandler("lienthong.insertStep", InsertStepHandler);
    commandStack.registerHandler("lienthong.laneRefs", LaneRefsHandler);
    this._commandStack = commandStack;
  }
  StudioInsert.$inject = ["commandStack"];

  /* The flow to insert on: the selected flow, or the selected element's first outgoing one. */
  StudioInsert.prototype.flowFor = function (element) {
    if (!element) { return null; }
    if (is(element, "bpmn:SequenceFlow")) { return element; }
    return (element.outgoing || []).filter(function (c) { return is(c, "bpmn:SequenceFlow"); })[0]
      || null;
  };

  /* Insert a user task on `element`'s flow; return the new shape, or null without a flow. */
  StudioInsert.prototype.insertStep = function (element, name) {
    var flow = this.flowFor(element);
    if (!flow) { return null; }
    var context = { flow: flow, name: name };
    this._commandStack.execute("lienthong.insertStep", context);
    return context.shape;
  };

  window.StudioInsertModule = {
    __depends__: [window.StudioRoutingModule],
    __init__: ["studioInsert"],
    studioInsert: ["type", StudioInsert]
  };
})();
