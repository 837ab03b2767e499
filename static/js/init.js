import { initAll } from "../nhsuk/nhsuk-frontend.min.js";

initAll();

// A printed page is read without clicking: show every closed "details" while printing (a
// closed details element hides its content whatever the print stylesheet says), then close
// them again.
const openedForPrint = [];
window.addEventListener("beforeprint", () => {
  for (const details of document.querySelectorAll("details:not([open])")) {
    details.open = true;
    openedForPrint.push(details);
  }
});
window.addEventListener("afterprint", () => {
  for (const details of openedForPrint.splice(0)) {
    details.open = false;
  }
});
