// The intake page (intake/templates/admin/intake/intake/intake_page.html). Without it the page
// works the same; with it, correcting a row ticks it, a box ticks every row, the button counts
// the rows ticked, and a sentence clicked in the article flashes its row.
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  ready(function () {
    var form = document.getElementById("intake-open-form");
    if (!form) { return; }
    var button = document.getElementById("ia-open");
    var counter = document.getElementById("ia-selected");
    var tickAll = document.getElementById("ia-tick-all");

    function boxes() {
      return Array.prototype.slice.call(form.querySelectorAll(".ia-row input[type=checkbox][name$='-open']"));
    }

    function update() {
      var all = boxes();
      var ticked = all.filter(function (box) { return box.checked; });
      all.forEach(function (box) {
        var row = box.closest(".ia-row");
        if (row) { row.classList.toggle("ia-row-ticked", box.checked); }
      });
      if (button) {
        button.disabled = ticked.length === 0;
        button.textContent = ticked.length > 1 ? "Open " + ticked.length + " selected as tickets" :
          ticked.length === 1 ? "Open 1 selected as a ticket" : "Open selected as tickets";
      }
      if (counter) { counter.textContent = ticked.length ? "" : "Tick at least one row."; }
      if (tickAll) {
        tickAll.checked = all.length > 0 && ticked.length === all.length;
        tickAll.indeterminate = ticked.length > 0 && ticked.length < all.length;
      }
    }

    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target === tickAll) {
        boxes().forEach(function (box) { box.checked = tickAll.checked; });
      }
      update();
    });

    // Correcting a row's claimant, date or place ticks it (the correction is meant to be opened).
    form.addEventListener("input", function (event) {
      var input = event.target;
      if (!input.classList || !input.classList.contains("ia-in")) { return; }
      input.classList.toggle("ia-edited", input.value !== input.defaultValue);
      var row = input.closest(".ia-row");
      var box = row && row.querySelector("input[type=checkbox][name$='-open']");
      if (box && !box.checked && input.value !== input.defaultValue) {
        box.checked = true;
        update();
      }
    });

    // A sentence clicked in the article: flash its row once it is scrolled to.
    var text = document.getElementById("ia-text");
    if (text) {
      text.addEventListener("click", function (event) {
        var link = event.target.closest("a.ia-hl");
        if (!link) { return; }
        var row = document.getElementById("candidate-" + link.getAttribute("data-index"));
        if (!row) { return; }
        row.classList.add("ia-row-flash");
        window.setTimeout(function () { row.classList.remove("ia-row-flash"); }, 1600);
      });
    }

    update();
  });
})();
