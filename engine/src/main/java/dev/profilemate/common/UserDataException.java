package dev.profilemate.common;

/** Bad input from the user (missing file, corrupt spool): reported as one line, exit status 1. */
public final class UserDataException extends RuntimeException {
  public UserDataException(String message) {
    super(message);
  }

  public UserDataException(String message, Throwable cause) {
    super(message, cause);
  }
}
