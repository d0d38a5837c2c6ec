// qrshare.mjs - qrshare.js with ES module exports:
//   import QrShare, { mount } from "/sdk/qrshare.mjs";
// A file cannot be both a classic script and a module with exports, so the SDK itself is
// qrshare.js (which also works when imported for its effect) and this wrapper names it.
import "./qrshare.js";

const QrShare = globalThis.QrShare;
export const { mount, texts, version } = QrShare;
export default QrShare;
