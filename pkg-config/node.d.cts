export * from "./unimetric.cjs";
export { default } from "./unimetric.cjs";
