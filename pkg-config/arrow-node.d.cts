export * from "./unimetric_arrow.cjs";
export { default } from "./unimetric_arrow.cjs";
