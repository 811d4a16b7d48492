// TypeDoc plugin (scripts/typedoc.json): names each module of the API reference after the import
// path of its entry point in the package's `exports` (pkg-config/package.template.json) instead
// of its declaration file's name.
import { Converter, ReflectionKind } from "typedoc";

const IMPORT_PATHS = {
  unimetric: "unimetric",
  unimetric_arrow: "unimetric/arrow",
  worker: "unimetric/worker",
  "worker-thread": "unimetric/worker-thread",
  "arrow-worker": "unimetric/arrow/worker",
  "arrow-worker-thread": "unimetric/arrow/worker-thread",
};

export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const module of context.project.getReflectionsByKind(ReflectionKind.Module)) {
      const name = IMPORT_PATHS[module.name];
      if (name === undefined) {
        app.logger.warn(`module ${module.name} has no import path in scripts/typedoc-module-names.mjs`);
      } else {
        module.name = name;
      }
    }
  });
}
