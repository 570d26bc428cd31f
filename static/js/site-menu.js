// The header's menu on a phone: on narrow screens the navigation folds away behind the
// "Menu" button; on wider ones the button is not shown and the navigation stays as it is.
// Without this file the button stays hidden and the navigation is always open.
(function () {
  "use strict";
  const button = document.querySelector(".menu-button[aria-controls]");
  const header = document.querySelector(".site-header");
  if (!button || !header) {
    return;
  }
  const menu = document.getElementById(button.getAttribute("aria-controls"));
  if (!menu) {
    return;
  }

  function setOpen(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    header.classList.toggle("menu-closed", !open);
  }

  setOpen(false);
  button.hidden = false;
  button.addEventListener("click", function () {
    setOpen(button.getAttribute("aria-expanded") !== "true");
  });
  // Escape closes the open menu and puts the keyboard back on its button.
  header.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true" && button.offsetParent) {
      setOpen(false);
      button.focus();
    }
  });
})();
