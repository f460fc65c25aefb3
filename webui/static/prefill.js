// eForm prefill at the counter: look the typed citizen ID / enterprise code up in the
// registry, show what it proposes, and fill the form only when the officer confirms.
// Documents the registry holds are marked as not to be handed over. No inline script (CSP).
(function () {
  "use strict";
  var form = document.querySelector("form[data-prefill-url]");
  if (!form) return;
  var url = form.getAttribute("data-prefill-url");
  var token = (form.querySelector("input[name=csrf_token]") || {}).value || "";
  var keys = (form.getAttribute("data-prefill-fields") || "").split(" ").filter(Boolean);

  function byName(name) {
    return form.querySelector('[name="' + CSS.escape(name) + '"]');
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function panelFor(input) {
    var id = "prefill-" + input.name.replace(/\W/g, "-");
    var panel = document.getElementById(id);
    if (!panel) {
      panel = el("div", { id: id, "class": "prefill-panel", role: "status", "aria-live": "polite" });
      input.closest(".field").appendChild(panel);
    }
    panel.replaceChildren();
    return panel;
  }

  function unmarkHeld(key) {
    form.querySelectorAll('[data-held-by="' + key + '"]').forEach(function (node) {
      node.remove();
    });
    form.querySelectorAll('input[name="_prefill_confirmed"][value="' + key + '"]')
      .forEach(function (node) { node.remove(); });
  }

  function confirm(input, answer, panel) {
    answer.proposals.forEach(function (p) {
      var target = byName(p.field);
      if (target) {
        target.value = p.value;
        target.dispatchEvent(new Event("input", { bubbles: true }));
      }
    });
    answer.held.forEach(function (d) {
      var upload = byName(d.field);
      if (!upload) return;
      var note = el("p", { "class": "prefill-held", "data-held-by": input.name,
        "data-document": d.field },
        "Cơ quan nhà nước đã có giấy tờ này (tra cứu từ cơ sở dữ liệu): không cần nộp.");
      upload.closest(".field").appendChild(note);
    });
    form.appendChild(el("input", { type: "hidden", name: "_prefill_confirmed",
      value: input.name, "data-held-by": input.name }));
    panel.replaceChildren(el("p", { "class": "prefill-done" },
      "Đã điền " + answer.proposals.length + " trường từ cơ sở dữ liệu; " +
      answer.held.length + " giấy tờ không cần nộp."));
  }

  function show(input, answer, panel) {
    if (answer.status !== "found") {
      panel.appendChild(el("p", { "class": "prefill-message" }, answer.message || answer.detail));
      return;
    }
    panel.appendChild(el("p", {}, "Thông tin tìm thấy trong cơ sở dữ liệu, vui lòng kiểm tra trước khi điền:"));
    var list = el("dl", { "class": "kv prefill-proposals" });
    answer.proposals.forEach(function (p) {
      list.appendChild(el("dt", {}, p.label));
      list.appendChild(el("dd", { "data-field": p.field }, p.value));
    });
    panel.appendChild(list);
    if (answer.held.length) {
      panel.appendChild(el("p", {}, "Giấy tờ cơ quan nhà nước đã có (công dân không phải nộp):"));
      var docs = el("ul", { "class": "prefill-held-list" });
      answer.held.forEach(function (d) { docs.appendChild(el("li", {}, d.title)); });
      panel.appendChild(docs);
    }
    var ok = el("button", { type: "button", "class": "button small primary" }, "Xác nhận và điền");
    var no = el("button", { type: "button", "class": "button small" }, "Bỏ qua");
    ok.addEventListener("click", function () { confirm(input, answer, panel); });
    no.addEventListener("click", function () { panel.replaceChildren(); });
    panel.appendChild(ok);
    panel.appendChild(document.createTextNode(" "));
    panel.appendChild(no);
  }

  function lookUp(input) {
    unmarkHeld(input.name);
    var panel = panelFor(input);
    var value = input.value.trim();
    if (!value) return;
    panel.appendChild(el("p", {}, "Đang tra cứu…"));
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ field: input.name, value: value })
    }).then(function (response) {
      return response.json().then(function (body) { return [response.ok, body]; });
    }).then(function (pair) {
      panel.replaceChildren();
      if (!pair[0]) {
        var errors = (pair[1].errors || {})[input.name] || [];
        panel.appendChild(el("p", { "class": "field-error" },
          errors.length ? errors.join("; ") : pair[1].error));
        return;
      }
      show(input, pair[1], panel);
    }).catch(function () {
      panel.replaceChildren(el("p", { "class": "field-error" },
        "Không tra cứu được: vui lòng nhập tay."));
    });
  }

  keys.forEach(function (key) {
    var input = byName(key);
    if (!input) return;
    input.addEventListener("change", function () { lookUp(input); });
    // back with errors: the confirmation is not kept, so propose again for the officer
    if (input.value.trim()) lookUp(input);
  });
}());
