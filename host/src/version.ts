/** The host API version plugins' `engine` ranges are checked against (the SDK's major.minor line). */
export const HOST_API_VERSION = '0.1.0';
