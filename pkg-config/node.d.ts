export * from "./unimetric.js";
export { default } from "./unimetric.js";
