package printreport

// The Vietnamese wording of the verification page (api/web/app.js, the
// tables T.vi.sub, T.vi.levels, T.vi.kinds, T.vi.ids, WARN_VI and
// CHANGE_VI), so that the printed report says what the page says.
// TestCatalogComplete holds it to the verifier's codes.

import "regexp"

// subVI says each sub-indication in Vietnamese.
var subVI = map[string]string{
	"HASH_FAILURE":                      "Tài liệu đã bị thay đổi sau khi ký.",
	"CHANGED_AFTER_SIGNING":             "Tài liệu đã bị sửa sau khi ký theo cách không được phép (nội dung trang, phông chữ, hình ảnh, số trang, ô biểu mẫu đã khoá), hoặc có nội dung được vẽ đè lên phần đã ký nên trang đang hiển thị không còn là trang đã ký; xem các thay đổi bên dưới.",
	"SIG_CRYPTO_FAILURE":                "Chữ ký không khớp với chứng thư của người ký: chữ ký bị làm giả hoặc bị hỏng.",
	"REVOKED":                           "Chứng thư của người ký đã bị thu hồi trước thời điểm ký.",
	"REVOKED_NO_POE":                    "Chứng thư của người ký đã bị thu hồi và không có bằng chứng rằng chữ ký được tạo trước khi thu hồi.",
	"REVOKED_CA_NO_POE":                 "Chứng thư của tổ chức cấp đã bị thu hồi và không có bằng chứng rằng chữ ký được tạo trước khi thu hồi.",
	"NO_CERTIFICATE_CHAIN_FOUND":        "Không tìm thấy chuỗi chứng thư tin cậy: chứng thư của người ký không do một tổ chức chứng thực mà hệ thống này tin cậy cấp.",
	"NO_SIGNING_CERTIFICATE_FOUND":      "Không tìm thấy chứng thư của người ký trong chữ ký.",
	"CERTIFICATE_CHAIN_GENERAL_FAILURE": "Chuỗi chứng thư của người ký không hợp lệ.",
	"CHAIN_CONSTRAINTS_FAILURE":         "Chứng thư không được phép dùng để ký văn bản (ví dụ: chứng thư chỉ dùng cho kết nối TLS), hoặc chuỗi chứng thư không đáp ứng yêu cầu.",
	"SIG_CONSTRAINTS_FAILURE":           "Chữ ký không đáp ứng yêu cầu (ví dụ: chứng thư không được phép dùng để ký).",
	"CRYPTO_CONSTRAINTS_FAILURE":        "Chữ ký dùng thuật toán hoặc độ dài khóa không còn an toàn.",
	"CRYPTO_CONSTRAINTS_FAILURE_NO_POE": "Chữ ký dùng thuật toán không còn an toàn và không có bằng chứng rằng nó được tạo khi thuật toán còn an toàn.",
	"OUT_OF_BOUNDS_NO_POE":              "Chứng thư của người ký đã hết hạn (hoặc chưa có hiệu lực) và không có dấu thời gian chứng minh chữ ký được tạo khi chứng thư còn hiệu lực.",
	"OUT_OF_BOUNDS_NOT_REVOKED":         "Chứng thư của người ký đã hết hạn; chứng thư không bị thu hồi nhưng không có bằng chứng về thời điểm ký.",
	"EXPIRED":                           "Chứng thư của người ký đã hết hạn tại thời điểm ký.",
	"NOT_YET_VALID":                     "Chứng thư của người ký chưa có hiệu lực tại thời điểm ký.",
	"TRY_LATER":                         "Chưa kiểm tra được tình trạng thu hồi của chứng thư. Vui lòng thử lại sau.",
	"FORMAT_FAILURE":                    "Chữ ký sai định dạng, bị hỏng, hoặc ở dạng không xử lý được.",
	"AMBIGUOUS_REVISION":                "Cấu trúc tệp có thể được đọc theo nhiều cách: phần mềm xem PDF có thể hiển thị nội dung khác với nội dung đã được kiểm tra. Không thể xác nhận chữ ký.",
	"NO_POE":                            "Không có bằng chứng về thời điểm ký.",
	"TIMESTAMP_ORDER_FAILURE":           "Thứ tự các dấu thời gian không hợp lệ.",
	"SIGNED_DATA_NOT_FOUND":             "Không tìm thấy dữ liệu đã được ký.",
	"POLICY_PROCESSING_ERROR":           "Không xử lý được chính sách chữ ký.",
	"SIGNATURE_POLICY_NOT_AVAILABLE":    "Không có chính sách chữ ký cần thiết để kiểm tra.",
}

// levelVI names the signature levels.
var levelVI = map[string]string{
	"B-B":       "PAdES B-B (cơ bản)",
	"B-T":       "PAdES B-T (có dấu thời gian)",
	"B-LT":      "PAdES B-LT (kèm dữ liệu kiểm tra dài hạn)",
	"B-LTA":     "PAdES B-LTA (lưu trữ dài hạn)",
	"not PAdES": "Không theo chuẩn PAdES",
}

// kindVI names the kinds of change after signing.
var kindVI = map[string]string{
	"none":                      "Không có thay đổi",
	"signature_added":           "Thêm chữ ký",
	"document_timestamp_added":  "Thêm dấu thời gian tài liệu",
	"dss_updated":               "Bổ sung dữ liệu kiểm tra dài hạn (DSS)",
	"form_filled":               "Điền biểu mẫu",
	"form_field_added":          "Thêm ô biểu mẫu",
	"form_field_modified":       "Thay đổi ô biểu mẫu",
	"form_field_removed":        "Xoá ô biểu mẫu",
	"annotation_added":          "Thêm ghi chú",
	"annotation_modified":       "Thay đổi ghi chú",
	"annotation_removed":        "Xoá ghi chú",
	"page_content_modified":     "Nội dung trang bị thay đổi",
	"resources_modified":        "Tài nguyên trang (phông chữ, hình ảnh) bị thay đổi",
	"page_added":                "Thêm trang",
	"page_removed":              "Xoá trang",
	"page_modified":             "Thuộc tính trang bị thay đổi",
	"signature_modified":        "Chữ ký đã có bị thay đổi",
	"catalog_modified":          "Cấu trúc tài liệu thay đổi",
	"form_modified":             "Biểu mẫu của tài liệu thay đổi",
	"metadata_modified":         "Thông tin mô tả tài liệu thay đổi",
	"structure_tree_modified":   "Cấu trúc nội dung (thẻ) thay đổi",
	"object_modified":           "Một đối tượng trong tệp bị thay đổi",
	"unreferenced_objects":      "Đối tượng không được dùng",
	"not_analysed":              "Không phân tích được hết thay đổi",
	"locked_field_modified":     "Ô biểu mẫu đã bị khoá khi ký lại bị thay đổi",
	"drawn_over_signed_content": "Có nội dung được vẽ đè lên phần đã ký",
}

// idVI names the kinds of identifier.
var idVI = map[string]string{
	"CCCD": "căn cước công dân",
	"CMND": "chứng minh nhân dân",
	"HC":   "hộ chiếu",
	"MST":  "mã số thuế",
	"MNS":  "mã quan hệ ngân sách",
}

// changeVI says the details of changes in Vietnamese ($1, $2: the
// groups of the English detail).
var changeVI = []struct {
	re *regexp.Regexp
	vi string
}{
	{regexp.MustCompile(`^document security store$`), "kho dữ liệu kiểm tra (DSS)"},
	{regexp.MustCompile(`^document information dictionary$`), "thông tin mô tả tài liệu"},
	{regexp.MustCompile(`^XMP metadata$`), "siêu dữ liệu XMP"},
	{regexp.MustCompile(`^structure tree$`), "cây cấu trúc"},
	{regexp.MustCompile(`^catalog /(\w+)$`), "mục /${1} của danh mục tài liệu"},
	{regexp.MustCompile(`^form /(\w+)$`), "mục /${1} của biểu mẫu"},
	{regexp.MustCompile(`^form default resources \(/DR\)$`), "tài nguyên mặc định của biểu mẫu (/DR)"},
	{regexp.MustCompile(`^field ("[^"]*")$`), "ô ${1}"},
	{regexp.MustCompile(`^empty signature field ("[^"]*")$`), "ô chữ ký trống ${1}"},
	{regexp.MustCompile(`^field ("[^"]*") has another signature$`), "ô ${1} có chữ ký khác"},
	{regexp.MustCompile(`^signature of field ("[^"]*") \(object (\d+)\)$`), "chữ ký của ô ${1} (đối tượng ${2})"},
	{regexp.MustCompile(`^appearance or widget of signature field ("[^"]*") \(object (\d+)\)$`), "hình hiển thị của ô chữ ký ${1} (đối tượng ${2})"},
	{regexp.MustCompile(`^page (\d+)$`), "trang ${1}"},
	{regexp.MustCompile(`^page (\d+) of the signed revision$`), "trang ${1} của phiên bản đã ký"},
	{regexp.MustCompile(`^the pages were reordered$`), "thứ tự trang bị đổi"},
	{regexp.MustCompile(`^the document has (\d+) pages, the signed revision (\d+)$`), "tài liệu có ${1} trang, phiên bản đã ký có ${2} trang"},
	{regexp.MustCompile(`^page (\d+): content stream \(object (\d+)\)$`), "trang ${1}: nội dung (đối tượng ${2})"},
	{regexp.MustCompile(`^page (\d+): resources \(object (\d+)\)$`), "trang ${1}: tài nguyên (đối tượng ${2})"},
	{regexp.MustCompile(`^page (\d+): /Contents replaced$`), "trang ${1}: nội dung bị thay"},
	{regexp.MustCompile(`^page (\d+): /Resources replaced$`), "trang ${1}: tài nguyên bị thay"},
	{regexp.MustCompile(`^object (\d+) cannot be read$`), "đối tượng ${1} không đọc được"},
	{regexp.MustCompile(`^(\d+) objects that the document does not use$`), "${1} đối tượng tài liệu không dùng đến"},
	{regexp.MustCompile(`^(\d+) objects changed: too many to analyse$`), "${1} đối tượng bị đổi: quá nhiều để phân tích"},
	{regexp.MustCompile(`^the document is too large to analyse completely$`), "tài liệu quá lớn để phân tích hết"},
}
