/* The theme report's script: draws the charts from the embedded JSON and opens theme drill-downs.
   Everything the page shows was escaped on the server; this script only sets textContent,
   attributes and plotly data, never innerHTML. */
(function () {
  "use strict";

  var PLOT_CONFIG = {
    displaylogo: false,
    responsive: true,
    modeBarButtonsToRemove: ["lasso2d", "select2d", "autoScale2d", "toggleSpikelines"],
    toImageButtonOptions: { format: "png", scale: 2 }
  };

  function setTheme(id, open) {
    var row = document.querySelector('tr.theme-row[data-theme="' + id + '"]');
    var detail = document.getElementById("theme-" + id);
    if (!row || !detail) { return null; }
    row.setAttribute("aria-expanded", open ? "true" : "false");
    detail.hidden = !open;
    return row;
  }

  function toggleTheme(id) {
    var detail = document.getElementById("theme-" + id);
    if (detail) { setTheme(id, detail.hidden); }
  }

  function openTheme(id) {
    var row = setTheme(id, true);
    if (row) {
      row.scrollIntoView({ behavior: "smooth", block: "start" });
      row.focus({ preventScroll: true });
    }
  }

  function themeOfPoint(point) {
    var data = point && point.customdata;
    // 2-D customdata arrives as typed-array rows (plotly.py sends numpy arrays as binary)
    var id = Array.isArray(data) || ArrayBuffer.isView(data) ? data[0] : data;
    return id === undefined || id === null ? null : String(id);
  }

  function drawCharts() {
    var source = document.getElementById("report-figures");
    if (!source || typeof Plotly === "undefined") { return; }
    var figures = JSON.parse(source.textContent);
    document.querySelectorAll("[data-figure]").forEach(function (el) {
      var fig = figures[el.getAttribute("data-figure")];
      if (!fig) { return; }
      Plotly.newPlot(el, fig.data, fig.layout, PLOT_CONFIG).then(function (gd) {
        if (!el.hasAttribute("data-drill")) { return; }
        gd.on("plotly_click", function (event) {
          var id = themeOfPoint(event.points[0]);
          if (id !== null) { openTheme(id); }
        });
      });
    });
  }

  function wireThemes() {
    document.querySelectorAll("tr.theme-row").forEach(function (row) {
      var id = row.getAttribute("data-theme");
      row.addEventListener("click", function () { toggleTheme(id); });
      row.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          toggleTheme(id);
        }
      });
    });
    document.querySelectorAll("a.theme-link").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        openTheme(link.getAttribute("data-theme"));
      });
    });
    var all = document.getElementById("expand-all");
    if (all) {
      all.addEventListener("click", function () {
        var open = all.textContent === "Expand all";
        document.querySelectorAll("tr.theme-row").forEach(function (row) {
          setTheme(row.getAttribute("data-theme"), open);
        });
        all.textContent = open ? "Collapse all" : "Expand all";
      });
    }
  }

  wireThemes();
  drawCharts();
})();
