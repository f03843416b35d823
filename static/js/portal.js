// IC Portal's own behaviour. Kept tiny: htmx does the partial updates.
document.addEventListener("htmx:responseError", function (event) {
  const status = event.detail.xhr.status;
  const box = document.getElementById("htmx-error");
  if (box) {
    box.hidden = false;
    box.textContent = status === 0 ? "The portal could not be reached. Try again."
      : "The request failed (" + status + "). Reload the page and try again.";
  }
});
