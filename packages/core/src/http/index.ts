// The HTTP layer: filled by the http work.
export {};
