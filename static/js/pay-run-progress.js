// Follows a computing pay run: polls its progress once a second and reloads the page
// when the run is no longer computing, so the statements (or the error) appear.
(function () {
  "use strict";
  const box = document.querySelector("[data-progress-url]");
  if (!box) {
    return;
  }
  const bar = box.querySelector("progress");
  const text = box.querySelector("[data-progress-text]");
  let shown = text.textContent;

  async function poll() {
    try {
      const response = await fetch(box.dataset.progressUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (response.ok) {
        const progress = await response.json();
        if (progress.status !== "computing") {
          window.location.reload();
          return;
        }
        bar.value = progress.percent;
        bar.textContent = progress.percent + "%";
        const line = progress.percent + "%" + (progress.step ? " · " + progress.step : "");
        // Only a new step is announced; rewriting the same text would repeat it to screen readers.
        if (line !== shown) {
          text.textContent = line;
          shown = line;
        }
      }
    } catch (error) {
      // A dropped request is retried on the next tick.
    }
    window.setTimeout(poll, 1000);
  }

  window.setTimeout(poll, 1000);
})();
