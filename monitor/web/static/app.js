// Progressive enhancement only: every control below is a plain link that works without JavaScript.
// Switch the change page between inline and side-by-side without a reload, and keep the URL in step.
document.addEventListener("click", function (event) {
  var link = event.target.closest ? event.target.closest("a[data-view]") : null;
  var diff = document.getElementById("diff");
  if (!link || !diff) {
    return;
  }
  event.preventDefault();
  var view = link.getAttribute("data-view");
  diff.setAttribute("data-view", view);
  document.querySelectorAll("a[data-view]").forEach(function (other) {
    var active = other === link;
    other.classList.toggle("on", active);
    other.setAttribute("aria-pressed", active ? "true" : "false");
  });
  var url = new URL(window.location.href);
  url.searchParams.set("view", view);
  window.history.replaceState(null, "", url.toString());
});
