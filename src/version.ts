/** The version of pi, printed by `pi --version` and sent as `client_version`. */
export const VERSION = "0.1.0";
