export * from "./unimetric_arrow.js";
export { default } from "./unimetric_arrow.js";
