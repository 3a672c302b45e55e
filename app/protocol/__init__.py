"""What the client and the server must agree on byte for byte: canonical content, the letter
package, receipts, the SHAMS profile, Persian/Jalali text and dates, CMS signature verification.
Imports neither the client store nor Qt nor the server's web framework."""
