/* Officer exam pages: rule rows on the definition form, and the live monitor.
   Both pages work without this script; it only makes them nicer. No inline scripts (CSP). */
(function () {
  "use strict";

  // ---- definition form: add/remove rule rows, live total points ------------------------------

  function number(value) {
    var n = parseFloat(String(value || "").replace(/，/g, ",").trim());
    return isFinite(n) ? n : 0;
  }

  function isBlank(row) {
    var blank = true;
    row.querySelectorAll("input, select").forEach(function (el) {
      if (el.type === "checkbox") { if (el.checked) blank = false; }
      else if (el.tagName === "SELECT") {
        if (el.multiple && el.selectedOptions.length) blank = false;
      } else if (el.value.trim() !== "") { blank = false; }
    });
    return blank;
  }

  function clearRow(row) {
    row.querySelectorAll("input, select").forEach(function (el) {
      if (el.type === "checkbox") el.checked = false;
      else if (el.tagName === "SELECT") {
        if (el.multiple) Array.prototype.forEach.call(el.options, function (o) { o.selected = false; });
        else el.selectedIndex = el.name.indexOf("max_difficulty") >= 0 ? el.options.length - 1 : 0;
      } else el.value = "";
    });
    row.querySelectorAll(".error").forEach(function (e) { e.remove(); });
    row.querySelectorAll(".has-error").forEach(function (e) { e.classList.remove("has-error"); });
  }

  function initExamForm(form) {
    var box = form.querySelector(".js-rule-rows");
    var add = form.querySelector(".js-add-rule");
    var total = form.querySelector(".js-total");
    var fixed = form.querySelector(".js-fixed textarea");
    if (!box || !add) return;

    function rows() { return Array.prototype.slice.call(box.querySelectorAll(".rule-row")); }
    function visible() { return rows().filter(function (r) { return !r.hidden; }); }

    function renumber() {
      var shown = visible();
      shown.forEach(function (row, i) {
        row.querySelector(".js-rule-number").textContent = String(i + 1);
        row.querySelector(".js-remove-rule").hidden = false;
      });
    }

    function recount() {
      if (!total) return;
      var sum = 0;
      visible().forEach(function (row) {
        var count = row.querySelector(".js-count input");
        var points = row.querySelector(".js-points input");
        if (count && points) sum += Math.max(0, Math.floor(number(count.value))) * number(points.value);
      });
      if (fixed) {
        fixed.value.split(/\n/).forEach(function (line) {
          var m = line.match(/^\s*\D{0,3}\s*\d+\s*\D?\s*[,，;；:：\s]\s*(\d+(?:\.\d+)?)/);
          if (m) sum += number(m[1]);
        });
      }
      total.textContent = String(Math.round(sum * 100) / 100);
    }

    function addRow() {
      var hidden = rows().filter(function (r) { return r.hidden; });
      var row;
      if (hidden.length) {
        row = hidden[0];
      } else {
        var last = rows()[rows().length - 1];
        var max = parseInt(box.getAttribute("data-max") || "40", 10);
        if (rows().length >= max) return null;
        var next = 0;
        rows().forEach(function (r) {
          var el = r.querySelector("[name^='rules-']");
          var m = el && el.name.match(/^rules-(\d+)-/);
          if (m) next = Math.max(next, parseInt(m[1], 10) + 1);
        });
        row = last.cloneNode(true);
        row.querySelectorAll("[name], [id], [for], [list]").forEach(function (el) {
          ["name", "id", "for"].forEach(function (attr) {
            var v = el.getAttribute(attr);
            if (v) el.setAttribute(attr, v.replace(/^rules-\d+-/, "rules-" + next + "-"));
          });
        });
        clearRow(row);
        box.appendChild(row);
      }
      row.hidden = false;
      renumber();
      return row;
    }

    // Start with the filled rows and one blank row; the rest wait behind "Add a rule".
    var shownBlank = false;
    rows().forEach(function (row) {
      var blank = isBlank(row) && !row.querySelector(".error");
      if (blank && shownBlank) row.hidden = true;
      if (blank) shownBlank = true;
    });
    add.hidden = false;
    renumber();
    recount();

    add.addEventListener("click", function () {
      var row = addRow();
      if (row) { var first = row.querySelector("select, input"); if (first) first.focus(); }
    });
    box.addEventListener("click", function (event) {
      var button = event.target.closest(".js-remove-rule");
      if (!button) return;
      var row = button.closest(".rule-row");
      clearRow(row);
      if (visible().length > 1) row.hidden = true;
      renumber();
      recount();
    });
    form.addEventListener("input", recount);
    form.addEventListener("change", recount);
  }

  // ---- live monitor ----------------------------------------------------------------------------

  function clock(seconds) {
    seconds = Math.max(0, seconds | 0);
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var mm = (h && m < 10 ? "0" : "") + m, ss = (s < 10 ? "0" : "") + s;
    return h ? h + ":" + mm + ":" + ss : mm + ":" + ss;
  }

  function initMonitor(root) {
    var url = root.getAttribute("data-url");
    var poll = Math.max(5, parseInt(root.getAttribute("data-poll") || "10", 10)) * 1000;
    var zone = root.getAttribute("data-zone") || "Asia/Shanghai";
    var updated = root.querySelector(".js-updated");
    var stale = root.querySelector(".js-stale");
    var timer = null;

    function busy() {
      // Never reload under an officer typing a reason.
      return !!root.querySelector("details.row-actions[open]") ||
        (document.activeElement && document.activeElement.closest && document.activeElement.closest("form"));
    }

    function tick() {
      root.querySelectorAll(".js-left").forEach(function (el) {
        var left = Math.max(0, parseInt(el.getAttribute("data-left"), 10) - 1);
        el.setAttribute("data-left", String(left));
        el.textContent = clock(left);
        el.classList.toggle("low", left < 300);
      });
    }

    function apply(data) {
      Object.keys(data.counts).forEach(function (key) {
        var el = root.querySelector("[data-count='" + key + "']");
        if (el) el.textContent = String(data.counts[key]);
      });
      var changed = false;
      data.attempts.forEach(function (a) {
        var row = root.querySelector("tr[data-attempt='" + a.id + "']");
        if (!row) { changed = true; return; }
        if (row.getAttribute("data-state") !== a.state) changed = true;
        var left = row.querySelector(".js-left");
        if (left && a.time_left_s !== null) {
          left.setAttribute("data-left", String(a.time_left_s));
          left.textContent = clock(a.time_left_s);
          left.classList.toggle("low", a.time_left_s < 300);
        }
      });
      var phase = root.ownerDocument.querySelector(".js-phase");
      if (phase && data.phase_label) {
        phase.textContent = data.phase_label;
        phase.className = "phase phase-" + data.phase + " js-phase";
      }
      if (updated) {
        var when = new Date(data.server_time);
        var text;
        try { text = when.toLocaleTimeString("zh-CN", { timeZone: zone, hour12: false }); }
        catch (e) { text = when.toLocaleTimeString(); }
        updated.textContent = updated.getAttribute("data-label").replace("{time}", text);
      }
      if (changed) {
        if (!busy()) { window.location.reload(); return; }
        if (stale) stale.hidden = false;
      }
    }

    function refresh() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(apply)
        .catch(function () {
          if (updated) updated.textContent = root.getAttribute("data-failed");
        });
    }

    setInterval(tick, 1000);
    timer = setInterval(refresh, poll);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") refresh();
    });
    return timer;
  }

  // The minutes field only matters for extending and reopening.
  document.addEventListener("change", function (event) {
    var select = event.target.closest(".js-action");
    if (!select) return;
    var minutes = select.closest("form").querySelector(".js-minutes");
    if (minutes) minutes.hidden = !(select.value === "extend" || select.value === "reopen");
  });

  document.querySelectorAll(".js-exam-form").forEach(initExamForm);
  document.querySelectorAll(".js-monitor").forEach(initMonitor);
})();
