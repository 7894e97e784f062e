// ESLint (flat config): typescript-eslint's recommended rules, the React Hooks rules and
// Next's rules, over everything we write. Generated code and build output are ignored.
import js from "@eslint/js";
import nextPlugin from "@next/eslint-plugin-next";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: [".next/**", "generated/**", "node_modules/**", "test-results/**", "playwright-report/**", "e2e/.data/**", "next-env.d.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.{ts,tsx,mts,mjs}"],
    plugins: { "react-hooks": reactHooks, "@next/next": nextPlugin },
    rules: {
      ...reactHooks.configs.recommended.rules,
      ...nextPlugin.configs.recommended.rules,
      ...nextPlugin.configs["core-web-vitals"].rules,
      // `_`-prefixed names are deliberately unused (positional parameters, destructuring).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_" }],
      // A CA's parsers exist to refuse control characters in names and text: character
      // classes like [\u0000-\u001f] are the point, not an accident.
      "no-control-regex": "off",
    },
  },
  // CommonJS files (the load-generator worker) load with require by definition.
  { files: ["**/*.cjs"], rules: { "@typescript-eslint/no-require-imports": "off" } },
  {
    files: ["**/*.{mjs,cjs,js}", "scripts/**", "bin/**"],
    languageOptions: { globals: { process: "readonly", console: "readonly", require: "readonly", module: "writable", __dirname: "readonly", Buffer: "readonly", URL: "readonly" } },
  },
);
