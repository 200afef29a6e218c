// The console's only script: confirmation of irreversible actions and "select all" for batch actions.
document.addEventListener("submit", function (event) {
  var question = event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) event.preventDefault();
});
document.addEventListener("change", function (event) {
  var box = event.target;
  if (!box.matches("input[data-select-all]")) return;
  document.querySelectorAll("input[name='" + box.getAttribute("data-select-all") + "']").forEach(function (each) {
    each.checked = box.checked;
  });
});
