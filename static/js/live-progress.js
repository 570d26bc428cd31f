// Follows long work on the server (a pay run computing, a payout batch sending): polls the
// URL in the box's data-progress-url every data-poll-ms (1000 by default), updates the
// progress bar, the line of text and any [data-status] counts, and reloads the page once
// the answer says the work has finished, so the page shows the outcome.
//
// The progress URL answers JSON: {"finished": bool, "percent": int, "line": str,
// "counts": {status: int} (optional)}.
(function () {
  "use strict";
  const box = document.querySelector("[data-progress-url]");
  if (!box) {
    return;
  }
  const bar = box.querySelector("progress");
  const text = box.querySelector("[data-progress-text]");
  const every = Number(box.dataset.pollMs) || 1000;
  let shown = text ? text.textContent : "";

  async function poll() {
    try {
      const response = await fetch(box.dataset.progressUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (response.ok) {
        const progress = await response.json();
        if (progress.finished) {
          window.location.reload();
          return;
        }
        if (bar) {
          bar.value = progress.percent;
          bar.textContent = progress.percent + "%";
        }
        for (const [status, count] of Object.entries(progress.counts || {})) {
          const cell = box.querySelector('[data-status="' + status + '"]');
          if (cell) {
            cell.textContent = String(count);
          }
        }
        // Only a change is announced; rewriting the same text would repeat it to screen readers.
        if (text && progress.line !== shown) {
          text.textContent = progress.line;
          shown = progress.line;
        }
      }
    } catch (error) {
      // A dropped request is retried on the next tick.
    }
    window.setTimeout(poll, every);
  }

  window.setTimeout(poll, every);
})();
