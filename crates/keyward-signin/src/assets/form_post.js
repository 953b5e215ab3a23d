// response_mode=form_post: submit the form at once. Without JavaScript the
// page shows its Continue button instead.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("form_post");
  if (form) form.submit();
});
