/**
 * A domain error that names the input field at fault, so the UI can show it beside
 * the field, the API can return it as JSON and the CLI can print it.
 */
export class InputError extends Error {
  constructor(
    public readonly field: string,
    message: string,
    public readonly status: number = 400,
  ) {
    super(message);
    this.name = "InputError";
  }
}

export class NotFoundError extends InputError {
  constructor(field: string, message: string) {
    super(field, message, 404);
    this.name = "NotFoundError";
  }
}

export class ConflictError extends InputError {
  constructor(field: string, message: string) {
    super(field, message, 409);
    this.name = "ConflictError";
  }
}
