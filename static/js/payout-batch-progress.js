// Follows a payout batch while its payouts are on their way: polls its figures every two
// seconds, updates the bar and the counts, and reloads the page once sending has finished
// so the table shows every payout's final status.
(function () {
  "use strict";
  const box = document.querySelector("[data-batch-progress-url]");
  if (!box) {
    return;
  }
  const bar = box.querySelector("progress");
  const text = box.querySelector("[data-progress-text]");
  let shown = text.textContent;

  async function poll() {
    try {
      const response = await fetch(box.dataset.batchProgressUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (response.ok) {
        const progress = await response.json();
        if (progress.done) {
          window.location.reload();
          return;
        }
        bar.value = progress.percent;
        bar.textContent = progress.percent + "%";
        for (const [status, count] of Object.entries(progress.counts)) {
          const cell = box.querySelector('[data-status="' + status + '"]');
          if (cell) {
            cell.textContent = String(count);
          }
        }
        let line = progress.percent + "% of the payouts due are finished";
        if (progress.retrying) {
          line += " · " + progress.retrying + " being retried after a temporary error";
        }
        // Only a change is announced; rewriting the same text would repeat it to screen readers.
        if (line !== shown) {
          text.textContent = line;
          shown = line;
        }
      }
    } catch (error) {
      // A dropped request is retried on the next tick.
    }
    window.setTimeout(poll, 2000);
  }

  window.setTimeout(poll, 2000);
})();
