/** A JSON Schema object as the contract declares it (plain JSON: routes, documents and validators share it). */
export type JsonSchema = Readonly<Record<string, unknown>>;
