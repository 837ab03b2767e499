// The NHS.UK frontend's behaviour for the components the service uses, bundled by `make assets`
// (esbuild) into one small deferred script. Pages work without it.
import {
  Button,
  CharacterCount,
  Checkboxes,
  createAll,
  ErrorSummary,
  Header,
  NotificationBanner,
  PasswordInput,
  Radios,
  SkipLink,
} from "nhsuk-frontend";

for (const Component of [
  Button,
  CharacterCount,
  Checkboxes,
  ErrorSummary,
  Header,
  NotificationBanner,
  PasswordInput,
  Radios,
  SkipLink,
]) {
  createAll(Component);
}

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
